/**
 * The built-in prompt text of both scenarios. Everything here is a default of config.json
 * (`scenarios.*`), so a user can rewrite any of it, in any language, without touching code.
 * The answer structure the prompts describe is the one the strict JSON schemas in
 * response-schemas.ts enforce and the compiler reads.
 */

export const SCENARIO1_SYSTEM_PROMPT =
  'You are a senior software engineer who writes training material about real code. ' +
  'You are shown one function at a time. You write the question a developer working on this ' +
  'codebase would ask about it, a precise answer, and the step-by-step reasoning that leads from ' +
  'the code to the answer. You state only what the code shows. You answer with a single JSON ' +
  'object and nothing else.';

export const SCENARIO1_PROMPT_TEMPLATE = `Repository: {{repository}}
Function: {{file_path}}::{{name}}
Complexity: {{complexity}}

\`\`\`{{language}}
{{code}}
\`\`\`

{{focus}}

Write one JSON object with these fields:
- "question": the question, answerable from the code alone.
- "answer": a complete answer that points at the code it relies on.
- "reasoning_trace": {"steps": [{"step_number", "description", "code_reference", "reasoning"}], "conclusion"}, with 3 to 8 steps a reader can follow in order; "code_reference" quotes the line or expression the step relies on.
- "business_rules": the rules or invariants the function enforces, as short sentences (an empty list when there are none).
Return only the JSON object.`;

/** The focus of the scenario 1 question, by the slice's complexity. */
export const SCENARIO1_FOCUS = {
  simple:
    'Ask about what the function does: what it takes, what it returns, and what it changes on the way.',
  medium:
    'Ask about the core logic: the decision the function makes, the rule behind it, and why it matters to the code that calls it.',
  complex:
    'Ask about the hardest part of the function: the case that is easiest to get wrong, why the code handles it the way it does, and how it could be made clearer or more robust.',
} as const;

export const SCENARIO2_SYSTEM_PROMPT =
  'You are a software architect. You are shown the outline of an existing class and a new ' +
  'requirement. You design how the requirement fits into the existing code: you reuse its ' +
  'patterns and extension points, name the new components, and explain every decision. You ' +
  'answer with a single JSON object and nothing else.';

export const SCENARIO2_PROMPT_TEMPLATE = `Repository: {{repository}}
Class: {{file_path}}::{{name}}

Outline of the existing class (method bodies omitted):
\`\`\`{{language}}
{{skeleton}}
\`\`\`

New requirement: {{requirement_title}}
{{requirement_description}}
Constraints:
{{requirement_constraints}}

Write one JSON object with these fields:
- "requirement_analysis": {"title", "description", "constraints": [string]}, the requirement restated in terms of this class.
- "design_solution": {"overview", "architecture": {"components": [string], "integration_points": [string], "data_flow"}, "implementation_plan": [string]}.
- "reasoning_trace": {"analysis_steps": [{"step", "existing_pattern_analysis", "requirement_mapping", "decision_factors": [string]}], "design_rationale"}, one analysis step per design decision.
Return only the JSON object.`;

/** The new requirements of scenario 2; each class gets one, chosen from its slice id. */
export const SCENARIO2_REQUIREMENTS = [
  {
    title: 'Payments',
    description:
      'Let users pay, through an external payment provider, for what this code manages, with receipts and refunds.',
    constraints: [
      'A provider call that is retried never charges twice.',
      'No card data is stored by this code.',
      'Existing callers keep working unchanged.',
    ],
  },
  {
    title: 'Usage analytics',
    description:
      'Record how users use the features this class provides and make aggregate reports available.',
    constraints: [
      'Recording does not slow the main path noticeably.',
      'Personal data is pseudonymised before it is stored.',
      'Analytics can be switched off by configuration.',
    ],
  },
  {
    title: 'Caching',
    description: 'Put a cache in front of the expensive operations of this class.',
    constraints: [
      'A cached result is invalidated when the data behind it changes.',
      'Memory use is bounded.',
      'Behaviour is identical with the cache switched off.',
    ],
  },
  {
    title: 'File uploads',
    description:
      'Accept files uploaded by users, which this class stores, validates and serves back.',
    constraints: [
      'Uploads of up to 1 GB are streamed, never held in memory.',
      'Type and size are checked before a file is stored.',
      'An interrupted upload can be resumed.',
    ],
  },
  {
    title: 'Notifications',
    description:
      'Notify users by e-mail or push message when the state this class manages changes.',
    constraints: [
      'Each event is notified at most once.',
      'A failed delivery is retried without blocking the caller.',
      'Users can opt out per channel.',
    ],
  },
] as const;
