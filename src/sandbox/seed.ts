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
  email: string;
  /** The HR system's employee number, as StackOne's LMS user external_reference. */
  externalReference: string;
  /** Left the company: still in the LMS, marked inactive. */
  inactive?: boolean;
}

export interface LearningObject {
  ref: string;
  title: string;
  type: 'course' | 'content';
  id: string;
  /** ISO 8601, as StackOne gives it. */
  duration?: string;
  languages?: string[];
  contentType?: 'video' | 'quiz' | 'document' | 'audio' | 'article';
  inactive?: boolean;
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
  user('emp-1001', 'acme-lms', 'Dana Whitaker', 'Security Engineer', 'dcb-u-48213', 'dana.whitaker@acme.example'),
  user('emp-1002', 'acme-lms', 'Sam Okafor', 'Account Executive', 'dcb-u-48214', 'sam.okafor@acme.example'),
  user('emp-1003', 'acme-lms', 'Priya Raman', 'People Partner', 'dcb-u-48215', 'priya.raman@acme.example'),
  user('emp-1004', 'acme-lms', 'Lee Chen', 'Support Engineer (new hire)', 'dcb-u-48290', 'lee.chen@acme.example'),
  user('emp-1099', 'acme-lms', 'Morgan Ellis', 'Compliance Auditor', 'dcb-u-40001', 'morgan.ellis@acme.example'),
  user('emp-1005', 'acme-lms', 'Zoë Lefèvre', 'Designer', 'dcb-u-48301', 'zoe.lefevre@acme.example'),
  user('emp-1006', 'acme-lms', 'Chris Park', 'IT Operations', 'dcb-u-48302', 'it-ops-dana-backup@acme.example'),
  // Enough people for the training report to have something to say: done, behind, failed, never assigned.
  user('emp-1007', 'acme-lms', 'Ana Costa', 'Finance Analyst', 'dcb-u-48303', 'ana.costa@acme.example'),
  user('emp-1008', 'acme-lms', 'Ravi Iyer', 'Sales Engineer', 'dcb-u-48304', 'ravi.iyer@acme.example'),
  user('emp-1009', 'acme-lms', 'Helena Novak', 'Legal Counsel', 'dcb-u-48305', 'helena.novak@acme.example'),
  user('emp-1010', 'acme-lms', 'Kwame Mensah', 'Warehouse Lead', 'dcb-u-48306', 'kwame.mensah@acme.example'),
  user('emp-1011', 'acme-lms', 'Inês Duarte', 'Marketing Manager', 'dcb-u-48307', 'ines.duarte@acme.example'),
  user('emp-1012', 'acme-lms', 'Tomás Ruiz', 'Data Engineer', 'dcb-u-48308', 'tomas.ruiz@acme.example'),
  {
    ...user('emp-0950', 'acme-lms', 'Jordan Reyes', 'Former Sales Manager', 'dcb-u-31877', 'jordan.reyes@acme.example'),
    inactive: true,
  },
  user('gx-2001', 'globex-lms', 'Maria Santos', 'Plant Manager', 'csod-7781', 'maria.santos@globex.example'),
  user('gx-2002', 'globex-lms', 'Tom Becker', 'Forklift Operator', 'csod-7790', 'tom.becker@globex.example'),
  user('gx-2003', 'globex-lms', 'Dana Kowalski', 'Shift Lead', 'csod-7802', 'dana.kowalski@globex.example'),
  user('in-3001', 'initech-lms', 'Peter Gibbons', 'Software Engineer', 'mdl-12', 'peter.gibbons@initech.example'),
];

function user(id: string, account: string, name: string, role: string, remoteId: string, email: string): SeedUser {
  return { id, account, name, role, remoteId, email, externalReference: `HR-${id.replace(/\D/g, '')}` };
}

const BASE_CATALOGUE: Omit<LearningObject, 'id'>[] = [
  {
    ref: 'sec-awareness-2026',
    title: 'Security Awareness 2026',
    type: 'course',
    duration: 'PT45M',
    languages: ['en_GB', 'de_DE'],
  },
  { ref: 'onboarding-101', title: 'Welcome to the Company', type: 'course', duration: 'PT2H', languages: ['en_GB'] },
  {
    ref: 'gdpr-essentials',
    title: 'GDPR Essentials',
    type: 'course',
    duration: 'PT30M',
    languages: ['en_GB', 'fr_FR'],
  },
  { ref: 'harassment-prevention', title: 'Harassment Prevention', type: 'course', duration: 'PT1H' },
  { ref: 'code-of-conduct-2026', title: 'Code of Conduct 2026', type: 'course', duration: 'PT20M' },
  { ref: 'first-aid-basics', title: 'First Aid Basics', type: 'course', duration: 'PT3H' },
  { ref: 'forklift-safety', title: 'Forklift Safety Certification', type: 'course', duration: 'PT4H' },
  { ref: 'leadership-foundations', title: 'Leadership Foundations', type: 'course', duration: 'P2D' },
  { ref: 'security-awareness-2025', title: 'Security Awareness 2025', type: 'course', inactive: true },
  {
    ref: 'phishing-video-01',
    title: 'Spotting a Phishing Email (video)',
    type: 'content',
    duration: 'PT8M',
    contentType: 'video',
  },
  { ref: 'data-retention-quiz', title: 'Data Retention Quiz', type: 'content', duration: 'PT10M', contentType: 'quiz' },
];

/** Morgan Ellis audits everything: 65 short compliance modules, enough for a three-page walk at 25 a page. */
const COMPLIANCE_MODULES = 65;

export const CATALOGUE: LearningObject[] = [
  ...BASE_CATALOGUE,
  ...Array.from({ length: COMPLIANCE_MODULES }, (_, i) => ({
    ref: `compliance-module-${String(i + 1).padStart(2, '0')}`,
    title: `Compliance Module ${i + 1}`,
    type: 'content' as const,
    contentType: 'document' as const,
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
  // The report's people: security awareness done, failed, behind and not started; other courses overdue.
  {
    user: 'emp-1007',
    ref: 'sec-awareness-2026',
    status: 'completed',
    progress: 100,
    assignedDays: -20,
    dueDays: 5,
    completedDays: -3,
    result: 'Pass',
  },
  { user: 'emp-1007', ref: 'code-of-conduct-2026', status: 'pending', progress: 0, assignedDays: -34, dueDays: -4 },
  {
    user: 'emp-1008',
    ref: 'sec-awareness-2026',
    status: 'completed',
    progress: 100,
    assignedDays: -20,
    dueDays: 5,
    completedDays: -6,
    result: 'Fail',
  },
  {
    user: 'emp-1008',
    ref: 'harassment-prevention',
    status: 'in_progress',
    progress: 25,
    assignedDays: -42,
    dueDays: -12,
  },
  {
    user: 'emp-1009',
    ref: 'sec-awareness-2026',
    status: 'in_progress',
    progress: 80,
    assignedDays: -30,
    dueDays: -2,
  },
  {
    user: 'emp-1009',
    ref: 'gdpr-essentials',
    status: 'completed',
    progress: 100,
    assignedDays: -50,
    dueDays: -20,
    completedDays: -22,
    result: 'Pass',
  },
  { user: 'emp-1010', ref: 'sec-awareness-2026', status: 'pending', progress: 0, assignedDays: -4, dueDays: 10 },
  { user: 'emp-1010', ref: 'onboarding-101', status: 'pending', progress: 0, assignedDays: -35, dueDays: -21 },
  {
    user: 'emp-1012',
    ref: 'sec-awareness-2026',
    status: 'completed',
    progress: 100,
    assignedDays: -40,
    dueDays: -10,
    completedDays: -20,
    result: 'Pass',
  },
  { user: 'emp-1012', ref: 'gdpr-essentials', status: 'in_progress', progress: 50, assignedDays: -25, dueDays: -1 },
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

/**
 * What the server's MCP instructions say in sandbox mode: that the data is made up, and which accounts exist. People
 * and courses are not listed: find_users and find_learning_objects find them, as on a real account.
 */
export function sandboxInstructions(): string {
  return [
    'SANDBOX MODE: every answer comes from an in-memory StackOne LMS emulator with made-up data, not a real LMS. Changes are lost when the server stops.',
    `Default account ${SANDBOX_DEFAULT_ACCOUNT} (Acme Corp); others: globex-lms, initech-lms (pass account_id).`,
  ].join('\n');
}
