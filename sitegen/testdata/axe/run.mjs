// Runs axe-core in headless Chromium over pages of a built site, in the
// light and the dark theme and on a phone, and prints the violations as JSON lines.
// Usage: node run.mjs <chromium> <base URL> <path>...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [executablePath, base, ...paths] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  const views = [
    { theme: "light", width: 1280 },
    { theme: "dark", width: 1280 },
    { theme: "mobile", scheme: "light", width: 390 },
  ];
  for (const { theme, scheme, width } of views) {
    const context = await browser.newContext({ colorScheme: scheme || theme, viewport: { width, height: 900 } });
    const page = await context.newPage();
    for (const path of paths) {
      await page.goto(base + path, { waitUntil: "load", timeout: 30000 });
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
      for (const v of result.violations) {
        const nodes = v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " "));
        console.log(JSON.stringify({ theme, path, id: v.id, help: v.help, nodes }));
      }
      console.log(JSON.stringify({ theme, path, done: true }));
    }
    await context.close();
  }
} finally {
  await browser.close();
}
