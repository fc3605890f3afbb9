// Minimal typings for the parts of `targaryen` (a Firebase security-rules simulator) that the
// test server and the rules tests use.
declare module 'targaryen' {
  export interface RuleResult {
    readonly allowed: boolean;
    readonly info: string;
    readonly newDatabase: RuleDatabase;
  }
  export interface RuleSnapshot {
    val(): unknown;
    exists(): boolean;
  }
  export interface RuleDatabase {
    readonly root: unknown;
    as(auth: unknown): RuleDatabase;
    snapshot(path: string): RuleSnapshot;
    read(path: string, now?: number): RuleResult;
    write(path: string, value: unknown, priority?: unknown, now?: number): RuleResult;
    update(path: string, patch: Record<string, unknown>, now?: number): RuleResult;
  }
  export interface Ruleset {
    readonly __ruleset: true;
  }
  const targaryen: {
    database(rules: object | Ruleset, data?: unknown, now?: number): RuleDatabase;
    ruleset(rules: object): Ruleset;
  };
  export default targaryen;
}
