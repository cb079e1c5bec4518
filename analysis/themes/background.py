"""``BackgroundFit``: fit a ThemeModel in a helper process while the pipeline does other work.

Embedding is the slow part of an analysis; the helper process runs it on the other core while
the caller scores sentiment and signals.
"""

from __future__ import annotations

import contextlib
import pickle
import sys
import time
from collections.abc import Iterable

from analysis import embeddings
from analysis.subprocesses import end_helper, start_helper
from analysis.themes.lexicon import as_texts
from analysis.themes.model import ThemeModel

__all__ = ["BackgroundFit", "serve_fit"]

_HELPER = "from analysis.themes.background import serve_fit; serve_fit()"


class BackgroundFit:
    """``ThemeModel.fit`` in a helper process, so embedding runs on the other core meanwhile.

    The helper starts (imports, loads and checks the model) as soon as this object is made, then
    waits for texts. It is a plain subprocess running this module, not multiprocessing: the
    caller's ``__main__`` (the Streamlit script) is never re-imported and nothing is forked from
    a threaded server. If the helper fails for any reason, ``result`` fits in this process, so
    the outcome is the same ThemeModel either way (same parameters, same seed).
    """

    def __init__(self, model: ThemeModel) -> None:
        model._check_params()
        params = model.get_params()
        engine, note = model._resolve_engine()
        if engine == "lexical":  # decided here, where the caller's environment is
            params["engine"] = "lexical"
        self.model = model
        self._params = params
        self._note = note
        self._texts: list[str] | None = None
        self.proc = start_helper(_HELPER)
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None
            pickle.dump(params, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
        except OSError:
            self.close()

    def submit(self, texts: Iterable) -> None:
        """Send the comments to fit on; returns at once."""
        self._texts = as_texts(texts)
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None
            pickle.dump(self._texts, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except OSError:
            self.close()

    def result(self) -> ThemeModel:
        """The fitted model (waits for the helper; fits here if the helper failed)."""
        if self._texts is None:
            raise ValueError("Submit the comments before asking for the fitted theme model.")
        fitted = None
        if self.proc is not None:
            try:
                assert self.proc.stdout is not None
                reply = pickle.load(self.proc.stdout)
                if isinstance(reply, ThemeModel):
                    fitted = reply
                elif isinstance(reply, BaseException):
                    raise reply
            except (OSError, EOFError, pickle.UnpicklingError):
                fitted = None
            finally:
                self.close()
        if fitted is None:
            fitted = ThemeModel(**self._params)
            start, cpu = time.perf_counter(), time.process_time()
            fitted.fit(self._texts)
            fitted.fit_seconds_ = time.perf_counter() - start
            fitted.fit_cpu_seconds_ = time.process_time() - cpu
        if self._note and not fitted.engine_note_:
            fitted.engine_note_ = self._note
        return fitted

    def close(self) -> None:
        """Stop the helper (it exits by itself after one fit) and release its pipes."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        end_helper(proc)


def serve_fit() -> None:
    """Helper-process side of BackgroundFit: parameters, warm-up, texts, then one fit."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # The caller may exit (or drop its job) at any point: a closed or cut-off pipe means there
    # is nothing to do, not an error to print.
    closed = (EOFError, pickle.UnpicklingError, OSError)
    try:
        params = pickle.load(stdin)
    except closed:
        return
    model = ThemeModel(**params)
    if model._resolve_engine()[0] == "semantic":
        # Load and verify the weights while the caller is still preparing the comments; a
        # failure here is reported (or falls back) by fit(), in the same words as in-process.
        with contextlib.suppress(embeddings.SemanticEngineError):
            embeddings.encode(["warm up"])
    try:
        texts = pickle.load(stdin)
    except closed:
        return
    start, cpu = time.perf_counter(), time.process_time()
    try:
        model.fit(texts)
        model.fit_seconds_ = time.perf_counter() - start
        model.fit_cpu_seconds_ = time.process_time() - cpu
        reply: object = model
    except (ValueError, embeddings.SemanticEngineError) as exc:
        reply = exc
    with contextlib.suppress(OSError):  # the caller went away meanwhile
        pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()
