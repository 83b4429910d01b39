// The repository's root, for lab scripts that run the project's tools or copy its files.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
