// Fills the `{{NAME}}` placeholders of the lab's config templates (workerd, nginx,
// routes). A placeholder without a value is an error, never an empty string, so a
// template and its caller cannot drift apart silently.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

export function renderTemplate(file: string, values: Record<string, string | number>): string {
  return readFileSync(file, "utf8").replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${basename(file)}: no value for {{${key}}}`);
    return String(value);
  });
}
