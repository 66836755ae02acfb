#!/usr/bin/env python3
"""report.html in a real browser: headless Chromium, driven by Selenium, over pages this test
makes itself.

The run: `deepdiff synth` (small), a genes.tsv written into its data root (the ids of the CSVs,
made-up symbols, so that a lookup by symbol can be checked), a 2-epoch `deepdiff train` of
raw_aux_siamese (alpha channels of both cells and their difference), `deepdiff report`. Then:
  - the page loads from file:// with no console error and no request but file:// and data:
    (Chromium's network log, and the page's own resource timing);
  - every figure is there and drawn (an SVG with a size and marks in it);
  - the lookup of a gene by id and by symbol shows the prediction and true y of
    predictions.csv and the beta of attention_beta.csv, to the printed precision, and draws
    its alpha and signal panels (marks x cells); an unknown symbol says "not found";
  - sorting the gene table by |error| puts the worst gene of predictions.csv first; the
    filter keeps the rows holding what is typed;
  - screenshots at 1280 px and at a phone's 390 px, into WORK_DIR/screenshots;
  - a folder from an older version (no provenance, no alpha, no comment line), a run still
    training (metrics.json "complete": false, nothing else) and one with files and the data
    root missing: each page loads without a console error and says what is missing;
  - `deepdiff report` on a folder that is not a run exits 1 naming it; without RUN_DIR, 2.

The study (with DEEPDIFF_PAIRS_BINARY): a small synthetic deepdiff-pairs study (2 pairs x raw_d
and ridge); its page loads without a console error or request, shows its figures, and each of
its links opens that run's page (relative links: the folder can be moved); a copy of the study
with a run not finished (its folder gone, status pending) says so.

usage: test_report.py DEEPDIFF_BINARY WORK_DIR [DEEPDIFF_PAIRS_BINARY]
       (exit 77: chromium, chromedriver or selenium missing)
"""
import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import time

DEEPDIFF, WORK = sys.argv[1], sys.argv[2]
PAIRS = sys.argv[3] if len(sys.argv) > 3 else None
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def skip(why):
    print("skipped: " + why)
    sys.exit(77)


CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None)
DRIVER = next((p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver") if p and os.path.exists(p)), None)
if not CHROMIUM:
    skip("chromium is not installed (apt-get install chromium)")
if not DRIVER:
    skip("chromedriver is not installed (apt-get install chromium-driver)")
try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    skip("Selenium is not installed for " + sys.executable + " (apt-get install python3-selenium)")


def run(*args, expect=0, program=None):
    program = program or DEEPDIFF
    r = subprocess.run([program, *args], capture_output=True, text=True)
    if r.returncode != expect:
        print(r.stdout + r.stderr)
        raise SystemExit("%s %s exited %d, expected %d" % (program, " ".join(args), r.returncode, expect))
    return r


def read_csv(path):
    """The rows of a CSV as dicts, after the '#' comment lines the run's files open with."""
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


shutil.rmtree(WORK, ignore_errors=True)
SHOTS = os.path.join(WORK, "screenshots")
os.makedirs(SHOTS)
DATA, RUN = os.path.join(WORK, "data"), os.path.join(WORK, "run")

# --- the run ------------------------------------------------------------------------------
run("synth", "--genes", "150", "--bins", "40", "--seed", "7", "--out", DATA)
symbol_of = {}
with open(os.path.join(DATA, "genes.tsv"), "w") as out:
    out.write("gene\tsymbol\tchrom\ttss\tstrand\tsplit\n")
    for split in ("train", "valid", "test"):
        seen = []
        with open(os.path.join(DATA, "Cell1.%s.csv" % split)) as f:
            for line in f:
                gene = line.split(",", 1)[0].split("_", 1)[0]
                if not seen or seen[-1] != gene:
                    seen.append(gene)
        for gene in seen:
            symbol_of[gene] = "MK%dX" % (len(symbol_of) + 1)  # made up, unlike the ids' SYN parts
            out.write("%s\t%s\tchr%d\t%d\t%s\t%s\n" % (gene, symbol_of[gene], len(symbol_of) % 3 + 1,
                                                      10000 * len(symbol_of), "+-"[len(symbol_of) % 2], split))
run("train", "--data-root", DATA, "--save-root", RUN, "--model-name", "raw_aux_siamese", "--epochs", "2",
    "--hidden", "4", "--lr", "0.003", "--threads", "2", "--quiet")
out = run("report", RUN).stdout
REPORT = os.path.join(RUN, "report.html")
check(os.path.exists(REPORT) and "report written to " + REPORT in out, "deepdiff report writes RUN_DIR/report.html")
preds = read_csv(os.path.join(RUN, "predictions.csv"))
betas = {r["gene_id"]: r for r in read_csv(os.path.join(RUN, "attention_beta.csv"))}
check(len(preds) == 30 and preds[0].get("symbol") == symbol_of[preds[0]["gene_id"]],
      "predictions.csv: 30 test genes with genes.tsv's symbols")

# --- the variants: an older version's folder, a run still training, files missing ---------
def variant(name, drop, edit_metrics, edit=None):
    d = os.path.join(WORK, name)
    shutil.copytree(RUN, d)
    for f in drop + ["report.html"]:
        if os.path.exists(os.path.join(d, f)):
            os.remove(os.path.join(d, f))
    with open(os.path.join(d, "metrics.json")) as f:
        m = json.load(f)
    edit_metrics(m)
    with open(os.path.join(d, "metrics.json"), "w") as f:
        json.dump(m, f, indent=2)
    if edit:
        edit(d)
    return d


def older(m):
    for key in ("provenance", "warnings"):
        m.pop(key, None)
    m["test"] = {k: m["test"][k] for k in ("pcc", "mse", "genes")}


def plain_predictions(d):
    rows = read_csv(os.path.join(d, "predictions.csv"))
    with open(os.path.join(d, "predictions.csv"), "w") as f:
        f.write("gene_id,prediction,target\n")
        for r in rows:
            f.write("%s,%s,%s\n" % (r["gene_id"], r["prediction"], r["target"]))


def training(m):
    m["complete"] = False
    m["epochs"] = m["epochs"][:1]
    m["best_epoch"] = 1
    for key in ("test", "warnings"):
        m.pop(key, None)


def moved(m):
    m["settings"]["data_root"] = "/nonexistent/moved_data_root"
    m.get("provenance", {})["data_root_absolute"] = "/nonexistent/moved_data_root"


OLD = variant("older_run", ["attention_alpha.csv", "top_genes.tsv", "train.log"], older, plain_predictions)
TRAINING = variant("training_run", ["predictions.csv", "attention_beta.csv", "attention_alpha.csv", "scatter.svg",
                                    "attention_beta.svg", "attention_alpha.svg", "top_genes.tsv", "checkpoint.bin"],
                   training)
MISSING = variant("missing_files", ["attention_beta.csv", "attention_beta.svg", "scatter.svg", "training_curves.svg"],
                  moved)
for d in (OLD, TRAINING, MISSING):
    run("report", d)
r = run("report", WORK, expect=1)
check(WORK in r.stderr and "no metrics.json" in r.stderr, "a folder that is not a run: exit 1 naming it")
r = run("report", expect=2)
check("RUN_DIR" in r.stderr, "no RUN_DIR: a usage error (exit 2)")


# --- the browser --------------------------------------------------------------------------
def browser(width, javascript=True):
    o = Options()
    if not javascript:
        o.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=%d,900" % width, "--allow-file-access-from-files"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(DRIVER), options=o)
    # A phone's viewport (mobile: the page's width=device-width applies), or a desktop one.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    return d


def load(d, path):
    d.get("file://" + os.path.abspath(path))
    WebDriverWait(d, 30).until(lambda x: x.execute_script("return document.readyState") == "complete")
    d.get_log("performance")  # the logs count from here: only this page's


def console_errors(d):
    return [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]


def requests(d):
    urls = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            urls.append(m["params"].get("request", {}).get("url") or m["params"].get("url"))
    urls += d.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    return [u for u in urls if not (u.startswith("file://") or u.startswith("data:"))]


def screenshot(d, name):
    """The whole page, as tall as it is (Chromium's full-page capture)."""
    w = d.execute_script("return document.documentElement.scrollWidth")
    h = d.execute_script("return document.documentElement.scrollHeight")
    shot = d.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": w, "height": min(h, 16000), "scale": 1}})
    path = os.path.join(SHOTS, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return w


def too_wide(d):
    """What makes a page wider than its window: the innermost block boxes wider than their
    parents' content, outside a scrolling wrapper (a long path or word that cannot break)."""
    return d.execute_script("""
        var out = [], vw = document.documentElement.clientWidth;
        document.querySelectorAll('main *, nav *, footer *').forEach(function (e) {
          if (e.closest('.table-wrap') || e.scrollWidth <= e.clientWidth + 1) return;
          if (e.getBoundingClientRect().right <= vw && e.scrollWidth <= vw) return;
          out.push(e.tagName + ' (' + e.scrollWidth + ' px): ' + (e.textContent || '').trim().slice(0, 80));
        });
        return out.slice(0, 5);""")


def narrow_check(d, width, what):
    w = d.execute_script("return document.documentElement.scrollWidth")
    check(w <= width, "%s at %d px: no horizontal scrolling (%d px)%s" % (
        what, width, w, "" if w <= width else "; too wide: " + " | ".join(too_wide(d))))


def text(d, css):
    els = d.find_elements(By.CSS_SELECTOR, css)
    return els[0].text if els else None


def close(shown, value, decimals):
    """A number shown rounded to `decimals` places is the file's value to that precision."""
    try:
        return abs(float(shown) - float(value)) <= 0.5 * 10 ** -decimals + 2e-5
    except (TypeError, ValueError):
        return False


def look_up(d, query):
    box = d.find_element(By.ID, "lookup-input")
    box.clear()
    box.send_keys(query)
    d.find_element(By.CSS_SELECTOR, "#lookup-form button").click()


def lookup_shows(d, gene, query, how):
    look_up(d, query)
    try:
        WebDriverWait(d, 20).until(lambda x: len(x.find_elements(By.CSS_SELECTOR, "#gene-profiles .panel svg")) >= 15)
    except TimeoutException:
        check(False, "lookup by %s: the alpha and signal panels are drawn" % how)
        return None
    row = next(r for r in preds if r["gene_id"] == gene)
    name = text(d, "#gene-name")
    check(gene in name and row["symbol"] in name, "lookup by %s (%s): names %s and %s" % (how, query, gene, row["symbol"]))
    check(close(text(d, "#gene-pred"), row["prediction"], 3), "lookup by %s: the prediction of predictions.csv (%s vs %s)"
          % (how, text(d, "#gene-pred"), row["prediction"]))
    check(close(text(d, "#gene-target"), row["target"], 3), "lookup by %s: the true y of predictions.csv" % how)
    shown = {e.get_attribute("data-channel"): e.text for e in d.find_elements(By.CSS_SELECTOR, "#gene-beta .beta-value")}
    beta = betas[gene]
    check(set(shown) == set(beta) - {"gene_id"} and all(close(shown[k], beta[k], 4) for k in shown),
          "lookup by %s: the beta of attention_beta.csv, all %d channels" % (how, len(shown)))
    panels = d.find_elements(By.CSS_SELECTOR, "#gene-profiles .panel svg")
    drawn = sum(1 for p in panels if p.find_elements(By.CSS_SELECTOR, "path.alpha") and p.find_elements(By.CSS_SELECTOR, "path.signal"))
    check(len(panels) == 15 and drawn == 15, "lookup by %s: alpha and input signal for 5 marks x cells A, B, D (%d of %d)"
          % (how, drawn, len(panels)))
    return (text(d, "#gene-pred"), sorted(shown.items()))


d = browser(1280)
try:
    load(d, REPORT)
    check(console_errors(d) == [], "run page: no console error")
    check(requests(d) == [], "run page: no request but file:// and data:")
    for fig in ("fig-curves", "fig-scatter", "fig-beta", "fig-alpha", "fig-alpha-A", "fig-alpha-B", "fig-alpha-D"):
        size = d.execute_script("""
            var f = document.getElementById(arguments[0]), s = f && f.querySelector('svg');
            if (!s) return null;
            var r = s.getBoundingClientRect();
            return [r.width, r.height, s.querySelectorAll('rect, path, circle, line, polyline').length];""", fig)
        check(size is not None and size[0] > 100 and size[1] > 100 and size[2] > 20,
              "run page: figure %s drawn (%s)" % (fig, size))
    static_rows = d.execute_script("return document.querySelectorAll('#gene-table tbody tr').length")
    check(static_rows == len(preds), "run page: the gene table lists every test gene (%d)" % static_rows)

    gene = preds[4]["gene_id"]
    by_id = lookup_shows(d, gene, gene, "id")
    by_symbol = lookup_shows(d, gene, symbol_of[gene].lower(), "symbol")
    check(by_id is not None and by_id == by_symbol, "the lookups by id and by symbol show the same prediction and beta")
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, "run_lookup_1280.png")
    look_up(d, "NO_SUCH_GENE_XYZ")
    status = text(d, "#lookup-status") or ""
    check("not found" in status.lower() and "NO_SUCH_GENE_XYZ" in status, "an unknown symbol: \"not found\" (%s)" % status[:60])

    worst = max(preds, key=lambda r: abs(float(r["prediction"]) - float(r["target"])))
    header = d.find_element(By.XPATH, "//table[@id='gene-table']//th[contains(., '|error|')]//button")
    d.execute_script("arguments[0].scrollIntoView()", header)
    header.click()
    first = d.find_element(By.CSS_SELECTOR, "#gene-table tbody tr td").text
    worst_error = abs(float(worst["prediction"]) - float(worst["target"]))
    first_row = next(r for r in preds if r["gene_id"] == first)
    check(first == worst["gene_id"] or abs(abs(float(first_row["prediction"]) - float(first_row["target"])) - worst_error) < 1e-3,
          "sorting by |error| puts the worst gene first (%s, |error| %.3f)" % (first, worst_error))
    filt = d.find_element(By.CSS_SELECTOR, "input[data-filter='gene-table']")
    filt.send_keys(symbol_of[gene])
    visible = d.execute_script("return Array.prototype.filter.call(document.querySelectorAll('#gene-table tbody tr'),"
                               " function (r) { return !r.hidden; }).map(function (r) { return r.cells[0].textContent; })")
    check(visible == [gene], "the filter keeps the row of the symbol typed (%s)" % visible[:3])
    filt.clear()
    filt.send_keys(" ")  # an empty filter shows every row again
    check(console_errors(d) == [], "run page: no console error after lookups, sorting and filtering")
    d.get_log("performance")
    load(d, REPORT)
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, "run_1280.png")
    narrow_check(d, 1280, "run page")
finally:
    d.quit()

d = browser(390)
try:
    load(d, REPORT)
    gene = preds[0]["gene_id"]
    look_up(d, gene)
    WebDriverWait(d, 20).until(lambda x: len(x.find_elements(By.CSS_SELECTOR, "#gene-profiles .panel svg")) >= 15)
    d.execute_script("window.scrollTo(0, 0)")
    screenshot(d, "run_390.png")
    narrow_check(d, 390, "run page")
    check(console_errors(d) == [], "run page at 390 px: no console error")
finally:
    d.quit()

# Without JavaScript the static parts are all there: figures, the gene table, a note on the lookup.
d = browser(1280, javascript=False)
try:
    load(d, REPORT)
    figures = d.execute_script("return document.querySelectorAll('figure.fig > svg').length")
    rows = len(d.find_elements(By.CSS_SELECTOR, "#gene-table tbody tr"))
    body = d.find_element(By.TAG_NAME, "body").text
    check(figures == 7 and rows == len(preds) and "The lookup needs JavaScript" in body
          and not d.find_element(By.ID, "lookup-form").is_displayed(),
          "run page without JavaScript: 7 figures, %d table rows, the lookup's note instead of its form" % rows)
finally:
    d.quit()

d = browser(1280)
try:
    for path, name, says in (
            (OLD, "older_run", ["records no provenance", "attention_alpha.csv is missing", "The run's own attention_alpha.svg (no attention_alpha.csv"]),
            (TRAINING, "training_run", ["This run has not finished", "No test predictions yet", "No test genes to look up"]),
            (MISSING, "missing_files", ["is not there any more", "attention_beta.csv is missing", "No \u03b2: the run has no attention_beta.csv"])):
        load(d, os.path.join(path, "report.html"))
        check(console_errors(d) == [], "%s page: no console error" % name)
        check(requests(d) == [], "%s page: no request but file:// and data:" % name)
        body = d.find_element(By.TAG_NAME, "body").text
        for s in says:
            check(s in body, "%s page says \"%s\"" % (name, s))
        screenshot(d, name + "_1280.png")
    # The older run still has its genes: its lookup works without alpha.
    load(d, os.path.join(OLD, "report.html"))
    look_up(d, preds[1]["gene_id"])
    WebDriverWait(d, 20).until(lambda x: x.find_elements(By.CSS_SELECTOR, "#gene-profiles .panel"))
    check(close(text(d, "#gene-pred"), preds[1]["prediction"], 3) and "no \u03b1" in d.find_element(By.ID, "gene-profiles").text,
          "older_run page: the lookup shows the prediction, and says the gene has no alpha")
    check(console_errors(d) == [], "older_run page: no console error after a lookup")
finally:
    d.quit()

# --- the study page ----------------------------------------------------------------------
if PAIRS:
    # A long folder name: the page names paths under it, and they must wrap on a phone.
    STUDY = os.path.join(WORK, "study_saved_in_a_folder_whose_name_is_longer_than_a_phone_is_wide")
    run("--synthetic", "--pairs", "E123-E003,E037-E038", "--model-names", "raw_d,ridge", "--genes", "60", "--bins", "20",
        "--hidden", "4", "--epochs", "2", "--seeds", "1", "--threads", "2", "--save-root", STUDY, program=PAIRS)
    # A copy whose raw_d run of E037-E038 has not finished: folder gone, its row pending.
    UNFINISHED = os.path.join(WORK, "study_unfinished")
    shutil.copytree(STUDY, UNFINISHED)
    shutil.rmtree(os.path.join(UNFINISHED, "E037-E038", "raw_d"))
    with open(os.path.join(UNFINISHED, "results.csv")) as f:
        table = list(csv.reader(f))
    status = table[0].index("status")
    for row in table[1:]:
        if row[0] == "E037-E038" and row[4] == "raw_d":
            row[status] = "pending"
            row[table[0].index("test_pcc")] = row[table[0].index("valid_pcc")] = row[table[0].index("test_mse")] = ""
            row[table[0].index("best_epoch")] = row[table[0].index("train_seconds")] = ""
    with open(os.path.join(UNFINISHED, "results.csv"), "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)
    os.remove(os.path.join(UNFINISHED, "report.html"))
    run("report", UNFINISHED, program=PAIRS)
    # Moved elsewhere as a whole: the links are relative, so they still open the runs' pages.
    MOVED = os.path.join(WORK, "study_moved")
    shutil.move(STUDY, MOVED)

    d = browser(1280)
    try:
        page = os.path.join(MOVED, "report.html")
        load(d, page)
        check(console_errors(d) == [], "study page: no console error")
        check(requests(d) == [], "study page: no request but file:// and data:")
        for fig in ["summary"] + ["attention-" + p for p in ("E123-E003", "E037-E038")]:
            size = d.execute_script("""
                var f = document.getElementById(arguments[0]), s = f && f.querySelector('svg');
                if (!s) return null;
                var r = s.getBoundingClientRect();
                return [r.width, r.height, s.querySelectorAll('rect, path, circle, line').length];""", fig)
            check(size is not None and size[0] > 100 and size[1] > 100 and size[2] > 10,
                  "study page: figure %s drawn (%s)" % (fig, size))
        links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a[href$='report.html']")]
        raw = d.execute_script("return Array.prototype.map.call(document.querySelectorAll(\"a[href$='report.html']\"),"
                               " function (a) { return a.getAttribute('href'); })")
        check(len(links) == 4 and all(not h.startswith(("/", "file:")) for h in raw),
              "study page: a relative link to each of the 4 runs' pages (%s)" % raw[:2])
        screenshot(d, "study_1280.png")
        for i in range(len(links)):
            load(d, page)
            a = d.find_elements(By.CSS_SELECTOR, "a[href$='report.html']")[i]
            d.execute_script("arguments[0].scrollIntoView()", a)
            a.click()
            WebDriverWait(d, 30).until(lambda x: x.current_url != "file://" + page and
                                       x.execute_script("return document.readyState") == "complete")
            h1 = text(d, "h1") or ""
            check(d.current_url == links[i] and ": E" in h1 and console_errors(d) == [],
                  "study page: link %d opens its run's page (%s)" % (i + 1, h1))
        load(d, os.path.join(UNFINISHED, "report.html"))
        check(console_errors(d) == [], "study page with a run not finished: no console error")
        body = d.find_element(By.TAG_NAME, "body").text
        check("Not every run is finished" in body and "pending" in body,
              "study page with a run not finished says so")
        check(len(d.find_elements(By.CSS_SELECTOR, "a[href$='report.html']")) == 3,
              "study page with a run not finished: links to the 3 runs there are")
    finally:
        d.quit()
    d = browser(390)
    try:
        load(d, os.path.join(MOVED, "report.html"))
        screenshot(d, "study_390.png")
        narrow_check(d, 390, "study page")
    finally:
        d.quit()
else:
    print("note: no deepdiff-pairs given: the study page is not checked")

print("screenshots in " + SHOTS)
if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all checks passed")
