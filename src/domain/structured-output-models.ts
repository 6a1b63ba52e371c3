/**
 * Models without Structured Outputs: `response_format` (chat) or `text.format` (Responses) of
 * type `json_schema` is refused with a 400 for each request
 * (https://github.com/bespokelabsai/curator/issues/164). Structured Outputs came with
 * gpt-4o-2024-08-06 and gpt-4o-mini; the models before it (gpt-3.5-turbo, gpt-4, gpt-4-turbo,
 * the first gpt-4o snapshot, o1-mini, o1-preview) take `json_object` at most. A model not named
 * here (a newer one, a fine-tune, another server's) is taken to have them. Pure.
 */
const WITHOUT_JSON_SCHEMA = /^(gpt-3\.5-turbo|gpt-4($|-)|gpt-4o-2024-05-13$|o1-(mini|preview))/;

/** Whether `model` takes a `json_schema` response format. */
export function supportsJsonSchema(model: string): boolean {
  return !WITHOUT_JSON_SCHEMA.test(model);
}

/** The API's words for a `json_schema` format sent to a model without Structured Outputs. */
export const JSON_SCHEMA_UNSUPPORTED =
  "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs";
