/** The ordered registry of tools: what tools/list shows, in this order. */
import createUserAssignment from './create-user-assignment.js';
import createUserCompletion from './create-user-completion.js';
import type { Tool } from './define-tool.js';
import findLearningObjects from './find-learning-objects.js';
import findUsers from './find-users.js';
import listUserAssignments from './list-user-assignments.js';
import listUserCompletions from './list-user-completions.js';
import trainingReport from './training-report.js';

export const TOOLS: readonly Tool[] = [
  findUsers,
  findLearningObjects,
  createUserAssignment,
  listUserAssignments,
  createUserCompletion,
  listUserCompletions,
  trainingReport,
];
export type { Tool } from './define-tool.js';
