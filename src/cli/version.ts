/** The version of slicebatch (package.json's). */
export const VERSION = '0.1.0';
