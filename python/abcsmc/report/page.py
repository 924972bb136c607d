"""The report as one self-contained HTML page: no external file, script or font.

Images are PNG data URIs, the style sheet is inline, and the only script counts the images that
loaded into the `data-images-loaded` attribute of <body> ("12/12"), which the headless-browser
test reads from the DOM. In watch mode the page reloads itself (meta refresh).
"""

from __future__ import annotations

import base64
import datetime
import html
import os

from .. import __version__

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; color: #222;
       padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 1px solid #ccc; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
th { background: #f3f3f3; } td.text, th.text { text-align: left; }
table.keys td:first-child { font-weight: 600; text-align: left; }
table.keys td { text-align: left; }
.status-running { color: #a60; } .status-finished { color: #060; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 0.85em; color: #555; max-width: 40em; }
.figure-error { color: #a00; font-size: 0.9em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #555; font-size: 0.9em; }
"""

_IMAGE_CHECK = """
window.addEventListener("load", function () {
  var images = document.images, loaded = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) loaded++;
  }
  document.body.setAttribute("data-images-loaded", loaded + "/" + images.length);
});
"""


#: Stop reasons of a resumable early stop (exit 3), as the engine words them.
_EARLY_STOPS = ("stop requested", "max_walltime reached", "deadline")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value, fmt: str) -> str:
    try:
        return fmt % value
    except TypeError:
        return _e(value)


def _table(header, rows, table_id=None, text_columns=()) -> str:
    """An HTML table; columns whose index is in text_columns are left-aligned."""
    attr = f' id="{table_id}"' if table_id else ""
    cls = lambda c: ' class="text"' if c in text_columns else ""  # noqa: E731
    head = "".join(f"<th{cls(c)}>{_e(h)}</th>" for c, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(c)}>{_e(v)}</td>" for c, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _keys(pairs) -> str:
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="keys" id="run-table"><tbody>{rows}</tbody></table>'


def status_text(h) -> str:
    if h.stop_reason:
        return f"finished: {h.stop_reason}"
    return "running (no stop reason yet; or the run was interrupted)"


def _population_text(h, first):
    """The particles per generation; a range where an adaptive size made them differ."""
    sizes = list(h.get_nr_particles_per_population())[1:]
    if not sizes or min(sizes) == max(sizes):
        return f"{first} particles"
    return f"{min(sizes)} to {max(sizes)} particles per generation (adaptive; {first} at first)"


def _run_section(h, written_at: str, watch: bool) -> str:
    info = h.info
    sampler = info["sampler"] or "?"
    if info["scheduling"]:
        sampler += f", {info['scheduling']} scheduling"
    if info["workers"]:
        sampler += f", {info['workers']} worker" + ("s" if info["workers"] != 1 else "")
    if info["ranks"] > 1:
        sampler += f" ({info['ranks']} MPI ranks)"
    status_class = "status-finished" if h.finished else "status-running"
    models = []
    for m, name in enumerate(h.model_names()):
        prior = h.model_prior_probabilities
        text = name
        if h.n_models > 1 and m < len(prior):
            text += f" (prior {prior[m]:.4g})"
        models.append(_e(text + ": " + ", ".join(h.model_parameter_names(m))))
    pairs = [
        ("results file", _e(h.path)),
        ("status", f'<span class="{status_class}" id="status">{_e(status_text(h))}</span>'),
        ("seed", _e(h.seed)),
        ("created", _e(info["created"])),
        ("software", _e(f"abcsmc {info['software_version']}")),
        ("sampler", _e(sampler)),
        ("population", _e(_population_text(h, info["population_size"]))),
        ("models" if h.n_models > 1 else "model", "<br>".join(models)),
        ("generations", _e(f"{h.n_populations} complete" +
                           (f" (t = 0..{h.max_t})" if h.n_populations else ""))),
        ("simulations", _e(f"{h.total_nr_simulations} in total, "
                           f"{h.calibration_simulations} of them for calibration")),
        ("resumed", _e(f"{h.resumes} time(s)")),
        ("report", _e(f"written {written_at} by abcsmc {__version__}" +
                      (" (reloads itself while the run goes on)" if watch else ""))),
    ]
    return "<h2>Run</h2>" + _keys(pairs)


def _stop_section(h) -> str:
    if h.stop_reason:
        text = f"The run stopped: <b>{_e(h.stop_reason)}</b>."
        if h.stop_reason.startswith(_EARLY_STOPS):
            text += (" That is an early stop (exit status 3): "
                     "<code>abcsmc run CONFIG --resume</code> continues the run.")
    else:
        text = ("No stop reason is recorded: the run is still going, or it was interrupted "
                "(kill -9, a crash, a node failure); <code>abcsmc run CONFIG --resume</code> "
                "continues an interrupted run from its last complete generation.")
    if h.resumes:
        text += f" It was resumed {h.resumes} time(s)."
    return f'<h2>How the run stopped</h2><p id="stop-reason">{text}</p>'


def _generation_section(h) -> str:
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0]
    several = h.n_models > 1
    header = ["t", "epsilon", "accepted", "simulations", "failed", "acc.rate", "ESS", "seconds",
              "total simulations"]
    probabilities = h.get_model_probabilities() if several else None
    if several:
        header += [f"p({name})" for name in h.model_names()]
    rows = []
    for _, r in pops.iterrows():
        row = [int(r["t"]), _num(r["epsilon"], "%.6g"), int(r["particles"]), int(r["samples"]),
               int(r["failed"]), _num(r["acceptance_rate"], "%.4g"), _num(r["ess"], "%.1f"),
               _num(r["wall_seconds"], "%.2f"), int(r["total_simulations"])]
        if several:
            row += [_num(p, "%.4f") for p in probabilities.loc[int(r["t"])]]
        rows.append(row)
    note = ""
    if h.calibration_simulations:
        note = (f'<p class="note">Before generation 0, {h.calibration_simulations} calibration '
                "simulations set the initial epsilon.</p>")
    return "<h2>Generations</h2>" + _table(header, rows, "generation-table") + note


def _posterior_section(h) -> str:
    summary = h.posterior_summary()
    g = h.generation()
    out = (f"<h2>Posterior at generation {g.t}</h2><p class=\"note\">epsilon {g.epsilon:.6g}, "
           f"{g.accepted} particles, ESS {g.ess:.1f}; weighted mean, sd and quantiles, weights "
           "renormalised within each model.</p>")
    rows = []
    for _, r in summary.iterrows():
        rows.append([r["model_name"], _num(r["p"], "%.4f"), int(r["particles"]), r["parameter"],
                     _num(r["mean"], "%.6g"), _num(r["sd"], "%.6g"), _num(r["q05"], "%.6g"),
                     _num(r["q50"], "%.6g"), _num(r["q95"], "%.6g")])
    header = ["model", "p", "particles", "parameter", "mean", "sd", "5%", "50%", "95%"]
    return out + _table(header, rows, "posterior-table", text_columns=(0, 3))


def _failure_section(h) -> str:
    failures = h.get_failure_counts()
    pops = h.get_all_populations()
    total_failed = int(pops["failed"].sum())
    out = "<h2>Failed simulations</h2>"
    if failures.empty:
        if total_failed == 0:
            return out + '<p id="failures">No simulation failed.</p>'
        return out + (f'<p id="failures">{total_failed} simulations failed; this file records '
                      "no reasons (written by an abcsmc without per-reason counts). Per "
                      "generation: see the <i>failed</i> column above.</p>")
    rows = []
    for reason, group in failures.groupby("reason", sort=False):
        where = ", ".join(
            ("calibration" if t == -1 else f"t={t}") + f": {c}"
            for t, c in zip(group["t"], group["count"])
        )
        rows.append([reason, int(group["count"].sum()), where])
    rows.sort(key=lambda r: -r[1])
    out += _table(["reason", "count", "where"], rows, "failure-table", text_columns=(0, 2))
    first = h.get_first_failures()
    if not first.empty:
        t, message = int(first["t"].iloc[0]), first["message"].iloc[0]
        where = "calibration" if t == -1 else f"generation {t}"
        out += (f'<p class="note">The first failure ({_e(where)}), in full:</p>'
                f'<pre id="first-failure">{_e(message)}</pre>')
    return out


def _figure_html(figure) -> str:
    if figure.png is None:
        return (f'<figure><p class="figure-error">{_e(figure.title)}: could not be drawn '
                f"({_e(figure.error)})</p></figure>")
    data = base64.b64encode(figure.png).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{_e(figure.title)}">'
            f"<figcaption>{_e(figure.title)}</figcaption></figure>")


def _figure_sections(figures) -> str:
    out, section = [], None
    for f in figures:
        if f.section != section:
            if section is not None:
                out.append("</div>")
            section = f.section
            title = "The run" if section == "run" else f"Posterior, {section}"
            out.append(f"<h3>{_e(title)}</h3><div class=\"figures\">")
        out.append(_figure_html(f))
    if section is not None:
        out.append("</div>")
    return '<h2 id="plots">Plots</h2>' + "".join(out)


def render(h, figures, refresh_seconds=None) -> str:
    """The page for History h with the rendered figures; refresh_seconds adds a meta refresh
    (watch mode)."""
    written_at = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    watch = refresh_seconds is not None
    refresh = f'<meta http-equiv="refresh" content="{int(refresh_seconds)}">' if watch else ""
    title = f"abcsmc report: {os.path.basename(h.path)}"
    parts = [
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}"
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _run_section(h, written_at, watch),
        _stop_section(h),
    ]
    if h.n_populations:
        parts += [_generation_section(h), _posterior_section(h), _failure_section(h),
                  _figure_sections(figures)]
    else:
        parts.append('<h2>Generations</h2><p id="no-generation">No generation is complete yet '
                     "(the run is calibrating or in generation 0).</p>")
        parts.append(_failure_section(h))
    parts.append(f"<h2>Resolved config</h2><pre id=\"config\">{_e(h.config)}</pre>")
    parts.append(f"<script>{_IMAGE_CHECK}</script></body></html>\n")
    return "".join(parts)


def render_waiting(path: str, refresh_seconds: int, reason: str) -> str:
    """The page --watch writes while the results file does not exist yet (a queued job)."""
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"refresh\" content=\"{int(refresh_seconds)}\">"
            f"<title>abcsmc report: waiting</title><style>{_STYLE}</style></head><body>"
            f"<h1>abcsmc report: {_e(os.path.basename(path))}</h1>"
            f"<p id=\"waiting\">Waiting for the results file: {_e(reason)} ({_e(when)}). This "
            "page reloads itself.</p></body></html>\n")
