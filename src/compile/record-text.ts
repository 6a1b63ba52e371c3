/**
 * A slice and its answer → the texts of a training record: an instruction, an input (what the
 * model is shown) and an output (what it should write). Pure.
 *
 * Scenario 1 (a function): the input is its path, name and code; the output is the reasoning
 * steps inside `<thought>...</thought>`, then the question and the answer, then the business
 * rules. Scenario 2 (a class): the input is its skeleton and the requirement the request was
 * built with; the output is the analysis steps and the design rationale inside `<thought>`,
 * then the requirement analysis and the design (overview, components, integration points, data
 * flow, implementation plan). Every text has fixed wording around the answer, so none is ever
 * empty; an answer whose own texts are blank is reported instead (`blankAnswer`).
 */
import type { ClassSlice, FunctionSlice } from '../domain/slice-schema.ts';
import type { Scenario1AnswerT, Scenario2AnswerT } from '../domain/answer-schemas.ts';
import {
  classSkeleton,
  displayPath,
  languageOf,
  type Requirement,
} from '../domain/slice-fields.ts';

export interface RecordText {
  readonly instruction: string;
  readonly input: string;
  readonly output: string;
}

export const INSTRUCTIONS = {
  scenario1:
    'Read the function below. Reason step by step through what its code does, then state the ' +
    'question a developer would ask about it, answer it with reference to the code, and list the ' +
    'business rules the function enforces.',
  scenario2:
    'Below are the outline of an existing class and a new requirement. Reason from how the class ' +
    'is built today, then analyse the requirement and design how to add it to this architecture: ' +
    'its components, integration points, data flow and an implementation plan.',
} as const;

/** The system message of the chat format, per scenario. */
export const SYSTEM_MESSAGES = {
  scenario1:
    'You are a senior software engineer who explains code. Think through the code step by step ' +
    'inside <thought> tags, then answer precisely, pointing at the code you rely on.',
  scenario2:
    'You are a software architect. Think through the existing design inside <thought> tags, then ' +
    'analyse the new requirement and propose a design that fits the architecture you were shown.',
} as const;

const blank = (s: string | undefined): boolean => s === undefined || s.trim() === '';
const clean = (s: string): string => s.trim();
const nonBlank = (xs: readonly string[]): string[] => xs.map(clean).filter((x) => x !== '');

function fenced(code: string, filePath: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${languageOf(filePath)}\n${code.trimEnd()}\n${fence}`;
}

function thoughtBlock(parts: readonly string[]): string {
  return parts.length === 0
    ? '<thought>\n</thought>'
    : `<thought>\n${parts.join('\n\n')}\n</thought>`;
}

function bullets(items: readonly string[]): string {
  return items.map((x) => `- ${x}`).join('\n');
}

export function scenario1Text(slice: FunctionSlice, answer: Scenario1AnswerT): RecordText {
  const input = [
    `File: ${displayPath(slice.file_path)}`,
    `Function: ${slice.name}`,
    '',
    fenced(slice.code_snippet, slice.file_path),
  ].join('\n');
  const thought: string[] = [];
  answer.reasoning_trace.steps.forEach((step, i) => {
    const lines = [`Step ${i + 1}: ${clean(step.description)}`];
    if (!blank(step.code_reference)) lines.push(`Code: ${clean(step.code_reference)}`);
    if (!blank(step.reasoning)) lines.push(clean(step.reasoning));
    thought.push(lines.join('\n'));
  });
  if (!blank(answer.reasoning_trace.conclusion)) {
    thought.push(`Conclusion: ${clean(answer.reasoning_trace.conclusion)}`);
  }
  const parts = [
    thoughtBlock(thought),
    `Question: ${clean(answer.question)}`,
    `Answer: ${clean(answer.answer)}`,
  ];
  const rules = nonBlank(answer.business_rules);
  if (rules.length > 0) parts.push(`Business rules:\n${bullets(rules)}`);
  return { instruction: INSTRUCTIONS.scenario1, input, output: parts.join('\n\n') };
}

export function scenario2Text(
  slice: ClassSlice,
  requirement: Requirement,
  answer: Scenario2AnswerT,
): RecordText {
  const input = [
    `File: ${displayPath(slice.file_path)}`,
    `Class: ${slice.name}`,
    '',
    fenced(classSkeleton(slice), slice.file_path),
    '',
    `New requirement: ${requirement.title}`,
    requirement.description,
    ...(requirement.constraints.length > 0
      ? ['Constraints:', bullets(requirement.constraints)]
      : []),
  ].join('\n');
  const trace = answer.reasoning_trace;
  const thought: string[] = trace.analysis_steps.map((step, i) => {
    const lines = [`Step ${i + 1}:`];
    if (!blank(step.existing_pattern_analysis)) {
      lines.push(`Existing pattern: ${clean(step.existing_pattern_analysis)}`);
    }
    if (!blank(step.requirement_mapping)) {
      lines.push(`Requirement mapping: ${clean(step.requirement_mapping)}`);
    }
    const factors = nonBlank(step.decision_factors);
    if (factors.length > 0) lines.push(`Decision factors: ${factors.join('; ')}`);
    return lines.join('\n');
  });
  if (!blank(trace.design_rationale)) {
    thought.push(`Design rationale: ${clean(trace.design_rationale)}`);
  }
  const analysis = answer.requirement_analysis;
  const design = answer.design_solution;
  const arch = design.architecture;
  const analysisLines = [
    `Requirement analysis: ${blank(analysis.title) ? requirement.title : clean(analysis.title)}`,
  ];
  if (!blank(analysis.description)) analysisLines.push(clean(analysis.description));
  const constraints = nonBlank(analysis.constraints);
  if (constraints.length > 0) analysisLines.push(`Constraints:\n${bullets(constraints)}`);
  const architecture: string[] = [];
  const components = nonBlank(arch.components);
  if (components.length > 0) architecture.push(`Components:\n${bullets(components)}`);
  const points = nonBlank(arch.integration_points);
  if (points.length > 0) architecture.push(`Integration points:\n${bullets(points)}`);
  if (!blank(arch.data_flow)) architecture.push(`Data flow: ${clean(arch.data_flow)}`);
  const plan = nonBlank(design.implementation_plan);
  const parts = [
    thoughtBlock(thought),
    analysisLines.join('\n'),
    ...(blank(design.overview) ? [] : [`Design overview: ${clean(design.overview)}`]),
    ...(architecture.length > 0 ? [architecture.join('\n')] : []),
    ...(plan.length > 0
      ? [`Implementation plan:\n${plan.map((s, i) => `${i + 1}. ${s}`).join('\n')}`]
      : []),
  ];
  return { instruction: INSTRUCTIONS.scenario2, input, output: parts.join('\n\n') };
}

/**
 * Why an answer gives nothing to train on, or undefined when it does: scenario 1 needs a
 * question and an answer, scenario 2 an overview or an implementation plan.
 */
export function blankAnswer(
  answer:
    | { scenario: 'scenario1'; value: Scenario1AnswerT }
    | { scenario: 'scenario2'; value: Scenario2AnswerT },
): string | undefined {
  if (answer.scenario === 'scenario1') {
    const { question, answer: text } = answer.value;
    if (blank(question) || blank(text)) {
      return `the answer's ${blank(question) ? 'question' : 'answer'} is blank`;
    }
    return undefined;
  }
  const design = answer.value.design_solution;
  if (blank(design.overview) && nonBlank(design.implementation_plan).length === 0) {
    return 'the design has neither an overview nor an implementation plan';
  }
  return undefined;
}
