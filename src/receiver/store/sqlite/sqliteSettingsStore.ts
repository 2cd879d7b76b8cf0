import type { SettingsStore } from '../ports/settingsStore';
import type { SqliteConnection } from './sqliteConnection';
import { toSettingRow } from './sqliteRows';

export function sqliteSettingsStore({ sql, writeTransaction }: SqliteConnection): SettingsStore {
  return {
    async readSettings() {
      const settings: Record<string, unknown> = {};
      for (const row of sql('SELECT key, value FROM settings ORDER BY key').all()) {
        const { key, value } = toSettingRow(row);
        settings[key] = JSON.parse(value) as unknown;
      }
      return settings;
    },

    async writeSettings(values) {
      const now = Date.now();
      writeTransaction(() => {
        for (const [key, value] of Object.entries(values)) {
          if (value === undefined) {
            sql('DELETE FROM settings WHERE key = ?').run(key);
            continue;
          }
          sql(
            `INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @now)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          ).run({ key, value: JSON.stringify(value), now });
        }
      });
    },
  };
}
