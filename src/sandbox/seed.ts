/** The demo company: accounts, people, a course catalogue and their learning records, dated relative to "now". */

export const SANDBOX_API_KEY = 'sandbox_sk_stackone_lms_mcp';
export const SANDBOX_DEFAULT_ACCOUNT = 'acme-lms';

export interface SeedAccount {
  id: string;
  company: string;
  provider: string;
}

export interface SeedUser {
  id: string;
  account: string;
  name: string;
  role: string;
  remoteId: string;
}

export interface LearningObject {
  ref: string;
  title: string;
  type: 'course' | 'content';
  id: string;
}

export type SeedStatus = 'pending' | 'in_progress' | 'completed';

export interface SeedAssignment {
  user: string;
  ref: string;
  status: SeedStatus;
  progress: number;
  /** Days from now; negative is in the past. */
  assignedDays: number;
  dueDays?: number;
  completedDays?: number;
  result?: 'Pass' | 'Fail';
}

export const ACCOUNTS: SeedAccount[] = [
  { id: 'acme-lms', company: 'Acme Corp', provider: 'Docebo' },
  { id: 'globex-lms', company: 'Globex', provider: 'Cornerstone' },
  { id: 'initech-lms', company: 'Initech', provider: 'Moodle' },
];

export const USERS: SeedUser[] = [
  { id: 'emp-1001', account: 'acme-lms', name: 'Dana Whitaker', role: 'Security Engineer', remoteId: 'dcb-u-48213' },
  { id: 'emp-1002', account: 'acme-lms', name: 'Sam Okafor', role: 'Account Executive', remoteId: 'dcb-u-48214' },
  { id: 'emp-1003', account: 'acme-lms', name: 'Priya Raman', role: 'People Partner', remoteId: 'dcb-u-48215' },
  {
    id: 'emp-1004',
    account: 'acme-lms',
    name: 'Lee Chen',
    role: 'Support Engineer (new hire)',
    remoteId: 'dcb-u-48290',
  },
  { id: 'emp-1099', account: 'acme-lms', name: 'Morgan Ellis', role: 'Compliance Auditor', remoteId: 'dcb-u-40001' },
  { id: 'gx-2001', account: 'globex-lms', name: 'Maria Santos', role: 'Plant Manager', remoteId: 'csod-7781' },
  { id: 'gx-2002', account: 'globex-lms', name: 'Tom Becker', role: 'Forklift Operator', remoteId: 'csod-7790' },
  { id: 'in-3001', account: 'initech-lms', name: 'Peter Gibbons', role: 'Software Engineer', remoteId: 'mdl-12' },
];

const BASE_CATALOGUE: Omit<LearningObject, 'id'>[] = [
  { ref: 'sec-awareness-2026', title: 'Security Awareness 2026', type: 'course' },
  { ref: 'onboarding-101', title: 'Welcome to the Company', type: 'course' },
  { ref: 'gdpr-essentials', title: 'GDPR Essentials', type: 'course' },
  { ref: 'harassment-prevention', title: 'Harassment Prevention', type: 'course' },
  { ref: 'code-of-conduct-2026', title: 'Code of Conduct 2026', type: 'course' },
  { ref: 'first-aid-basics', title: 'First Aid Basics', type: 'course' },
  { ref: 'forklift-safety', title: 'Forklift Safety Certification', type: 'course' },
  { ref: 'leadership-foundations', title: 'Leadership Foundations', type: 'course' },
  { ref: 'phishing-video-01', title: 'Spotting a Phishing Email (video)', type: 'content' },
  { ref: 'data-retention-quiz', title: 'Data Retention Quiz', type: 'content' },
];

/** Morgan Ellis audits everything: 65 short compliance modules, enough for a three-page walk at 25 a page. */
const COMPLIANCE_MODULES = 65;

export const CATALOGUE: LearningObject[] = [
  ...BASE_CATALOGUE,
  ...Array.from({ length: COMPLIANCE_MODULES }, (_, i) => ({
    ref: `compliance-module-${String(i + 1).padStart(2, '0')}`,
    title: `Compliance Module ${i + 1}`,
    type: 'content' as const,
  })),
].map((lo, i) => ({ ...lo, id: `lo_${String(i + 1).padStart(4, '0')}` }));

export const ASSIGNMENTS: SeedAssignment[] = [
  // Dana: one in progress, one overdue, two done (one pass each), one upcoming.
  {
    user: 'emp-1001',
    ref: 'onboarding-101',
    status: 'completed',
    progress: 100,
    assignedDays: -120,
    dueDays: -90,
    completedDays: -95,
    result: 'Pass',
  },
  { user: 'emp-1001', ref: 'sec-awareness-2026', status: 'in_progress', progress: 40, assignedDays: -14, dueDays: 5 },
  { user: 'emp-1001', ref: 'gdpr-essentials', status: 'pending', progress: 0, assignedDays: -30, dueDays: -10 },
  {
    user: 'emp-1001',
    ref: 'phishing-video-01',
    status: 'completed',
    progress: 100,
    assignedDays: -20,
    dueDays: -6,
    completedDays: -8,
    result: 'Pass',
  },
  { user: 'emp-1001', ref: 'code-of-conduct-2026', status: 'pending', progress: 0, assignedDays: -2, dueDays: 28 },
  // Sam: behind on onboarding, failed a course once.
  { user: 'emp-1002', ref: 'onboarding-101', status: 'in_progress', progress: 70, assignedDays: -40, dueDays: -3 },
  { user: 'emp-1002', ref: 'sec-awareness-2026', status: 'pending', progress: 0, assignedDays: -14, dueDays: 5 },
  {
    user: 'emp-1002',
    ref: 'harassment-prevention',
    status: 'completed',
    progress: 100,
    assignedDays: -60,
    dueDays: -30,
    completedDays: -31,
    result: 'Fail',
  },
  // Priya: everything done.
  {
    user: 'emp-1003',
    ref: 'onboarding-101',
    status: 'completed',
    progress: 100,
    assignedDays: -400,
    dueDays: -370,
    completedDays: -380,
    result: 'Pass',
  },
  {
    user: 'emp-1003',
    ref: 'harassment-prevention',
    status: 'completed',
    progress: 100,
    assignedDays: -60,
    dueDays: -30,
    completedDays: -45,
    result: 'Pass',
  },
  {
    user: 'emp-1003',
    ref: 'leadership-foundations',
    status: 'completed',
    progress: 100,
    assignedDays: -90,
    dueDays: -20,
    completedDays: -25,
    result: 'Pass',
  },
  // Lee: brand new, nothing started.
  { user: 'emp-1004', ref: 'onboarding-101', status: 'pending', progress: 0, assignedDays: -1, dueDays: 13 },
  { user: 'emp-1004', ref: 'sec-awareness-2026', status: 'pending', progress: 0, assignedDays: -1, dueDays: 30 },
  // Globex
  { user: 'gx-2001', ref: 'first-aid-basics', status: 'in_progress', progress: 55, assignedDays: -10, dueDays: 4 },
  {
    user: 'gx-2001',
    ref: 'leadership-foundations',
    status: 'completed',
    progress: 100,
    assignedDays: -100,
    dueDays: -50,
    completedDays: -60,
    result: 'Pass',
  },
  { user: 'gx-2002', ref: 'forklift-safety', status: 'pending', progress: 0, assignedDays: -45, dueDays: -15 },
  {
    user: 'gx-2002',
    ref: 'first-aid-basics',
    status: 'completed',
    progress: 100,
    assignedDays: -200,
    dueDays: -150,
    completedDays: -160,
    result: 'Pass',
  },
  // Initech
  { user: 'in-3001', ref: 'code-of-conduct-2026', status: 'in_progress', progress: 10, assignedDays: -7, dueDays: 7 },
  {
    user: 'in-3001',
    ref: 'data-retention-quiz',
    status: 'completed',
    progress: 100,
    assignedDays: -30,
    dueDays: -20,
    completedDays: -25,
    result: 'Fail',
  },
  // Morgan: every compliance module, in every status.
  ...Array.from({ length: COMPLIANCE_MODULES }, (_, i): SeedAssignment => {
    const ref = `compliance-module-${String(i + 1).padStart(2, '0')}`;
    const kind = i % 3;
    // Days back from today, 65 for the first module down to 1 for the last: later modules are the more recent,
    // and nothing is assigned, updated or completed after today.
    const back = COMPLIANCE_MODULES - i;
    if (kind === 0) {
      return {
        user: 'emp-1099',
        ref,
        status: 'completed',
        progress: 100,
        assignedDays: -60 - back,
        dueDays: 10 - back,
        completedDays: -back,
        result: i % 9 === 0 ? 'Fail' : 'Pass',
      };
    }
    if (kind === 1)
      return {
        user: 'emp-1099',
        ref,
        status: 'in_progress',
        progress: 20 + (i % 7) * 10,
        assignedDays: -30 - back,
        dueDays: 40 - back,
      };
    return { user: 'emp-1099', ref, status: 'pending', progress: 0, assignedDays: -back, dueDays: 65 - back };
  }),
];

/** What the server's MCP instructions say in sandbox mode, so an agent knows whom and what to ask about. */
export function sandboxInstructions(): string {
  const people = USERS.map((u) => `${u.id} ${u.name} (${u.role}, account ${u.account})`).join('; ');
  const courses = CATALOGUE.slice(0, 10)
    .map((c) => `${c.ref} "${c.title}"`)
    .join('; ');
  return [
    'SANDBOX MODE: every answer comes from an in-memory StackOne LMS emulator with made-up data, not a real LMS. Changes are lost when the server stops.',
    `Default account ${SANDBOX_DEFAULT_ACCOUNT} (Acme Corp); others: globex-lms, initech-lms (pass account_id).`,
    `People: ${people}.`,
    `Courses and content (learning_object_external_reference): ${courses}; plus compliance-module-01 … -${COMPLIANCE_MODULES}. Any other reference is accepted too.`,
  ].join('\n');
}
