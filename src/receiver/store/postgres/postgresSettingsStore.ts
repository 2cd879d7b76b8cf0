import type { SettingsStore } from '../ports/settingsStore';
import type { PostgresConnection } from './postgresConnection';
import { toSettingRow } from './postgresRows';

export function postgresSettingsStore({ pool, transaction }: PostgresConnection): SettingsStore {
  return {
    async readSettings() {
      const settings: Record<string, unknown> = {};
      for (const row of (await pool.query('SELECT key, value FROM settings ORDER BY key')).rows) {
        const { key, value } = toSettingRow(row);
        settings[key] = value;
      }
      return settings;
    },

    async writeSettings(values) {
      const now = new Date();
      await transaction(async (db) => {
        for (const [key, value] of Object.entries(values)) {
          if (value === undefined) {
            await db.query('DELETE FROM settings WHERE key = $1', [key]);
            continue;
          }
          // Sent as JSON text: node-postgres would send a string value as it is, not as a JSON string.
          await db.query(
            `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
            [key, JSON.stringify(value), now],
          );
        }
      });
    },
  };
}
