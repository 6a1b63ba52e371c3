/** The review page's SQLite: Node's built-in one, loaded by the storage layer. */
export { loadSqlite, type Database } from '../storage/sqlite.ts';
