/** The settings saved on the admin pages. */
export interface SettingsStore {
  /**
   * The settings saved on the admin pages, by key, each value as it was written (JSON-serialisable). Values are
   * `unknown`: the settings service parses them. Empty when nothing was saved.
   */
  readSettings(): Promise<Record<string, unknown>>;
  /**
   * Saves the given settings in one transaction; a key whose value is `undefined` is removed, keys not given stay
   * as they are. Values must be JSON-serialisable.
   */
  writeSettings(values: Record<string, unknown | undefined>): Promise<void>;
}
