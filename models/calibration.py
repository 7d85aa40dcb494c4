"""Calibration helpers shared by training and evaluation: temperature scaling and expected calibration error."""

from __future__ import annotations

import numpy as np

from models.heads import softmax


def nll(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    """Return the mean negative log-likelihood of ``gold`` under ``softmax(logits / temperature)``."""
    probs = softmax(logits.astype(np.float64) / temperature).astype(np.float64)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(gold)), gold], 1e-12))))


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """Return the temperature that minimises the NLL of ``gold`` (log-grid search, then a finer grid)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 241))
    best = float(grid[int(np.argmin([nll(logits, gold, t) for t in grid]))])
    fine = np.linspace(best * 0.97, best * 1.03, 61)
    return float(fine[int(np.argmin([nll(logits, gold, t) for t in fine]))])


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Return the ECE of the top-1 confidence over equal-width bins."""
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    ece = 0.0
    for lo in np.linspace(0.0, 1.0, bins, endpoint=False):
        mask = (conf > lo) & (conf <= lo + 1.0 / bins)
        if mask.any():
            ece += mask.mean() * abs(float((pred[mask] == gold[mask]).mean()) - float(conf[mask].mean()))
    return float(ece)


def precision_at_k(
    queries: np.ndarray, q_labels: list[str], gallery: np.ndarray, g_labels: list[str], k: int = 5
) -> float:
    """Return mean same-label precision@k of cosine retrieval (rows are L2-normalised)."""
    sims = queries @ gallery.T
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    g = np.asarray(g_labels)
    return float(np.mean(g[top] == np.asarray(q_labels)[:, None]))
