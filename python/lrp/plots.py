"""Pictures of the analyses in lrp.evaluate (spec/evaluation.md, "Reporting"), drawn with matplotlib and written
as PNG: perturbation curves with AOPC in the legend, μ against box size, VisLRPDesigner's three neuron charts,
and a grid of conditional heatmaps. Each function returns the matplotlib Figure (closed after saving when a path
is given)."""

import numpy as np

__all__ = ["perturbation_curves", "localization_by_size", "neuron_charts", "heatmap_grid"]


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _finish(figure, path):
    if path is not None:
        figure.savefig(path, dpi=110, bbox_inches="tight")
        _pyplot().close(figure)
    return figure


def perturbation_curves(results, path=None, title="Region perturbation"):
    """Mean curves of several `lrp.evaluate.perturbation` results ({label: result}, e.g. 'LRP-ε MoRF'), each
    relative to its unperturbed score, with its AOPC in the legend."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for label, res in results.items():
        curves = np.asarray(res.curves)
        mean = (curves - curves[:, :1]).mean(axis=0)
        axis.plot(np.arange(curves.shape[1]), mean, label="%s (AOPC %.4g)" % (label, res.aopc))
    axis.set_xlabel("perturbation steps")
    axis.set_ylabel("f(x⁽ᵏ⁾) − f(x⁽⁰⁾), mean over samples")
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return _finish(figure, path)


def localization_by_size(statistics, path=None, title="Localization against box size"):
    """Mean μ in each box-size bin for several LocalizationStatistics ({label: statistics}), with the uniform
    attribution (μ = S_in/S_tot) as the diagonal."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    centres = (np.arange(100) + 0.5) / 100
    for label, s in statistics.items():
        values = s.mu_by_size
        kept = ~np.isnan(values)
        axis.plot(centres[kept], values[kept], marker=".", linewidth=1, label="%s (mean μ_w %.3g)" % (label, s.mean_mu_w))
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", label="uniform (μ_w 1)")
    axis.set_xlabel("box size S_in / S_tot")
    axis.set_ylabel("μ (share of positive relevance inside)")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return _finish(figure, path)


def neuron_charts(stats, path=None, sample=None, title="Neurons"):
    """VisLRPDesigner's three sorted charts of a layer's channels: positive relevance, negative relevance and
    activation (of one sample, or summed over the batch), each sorted largest first."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for axis, (name, values, colour) in zip(axes, [("positive relevance", stats.positive, "tab:red"),
                                                    ("negative relevance", stats.negative, "tab:blue"),
                                                    ("activation", stats.activation, "tab:green")]):
        v = values[sample] if sample is not None else values.sum(axis=0)
        order = np.argsort(-np.abs(v), kind="stable")
        axis.scatter(np.arange(v.size), v[order], s=10, color=colour)
        axis.set_title(name, fontsize=10)
        axis.set_xlabel("channels, sorted")
        axis.grid(alpha=0.3)
    figure.suptitle(title)
    return _finish(figure, path)


def heatmap_grid(heatmaps, labels=None, path=None, columns=8, cmap="bwr"):
    """A grid of heatmaps (K×H×W, or K×H×W×C summed over channels), each on a symmetric colour scale around 0."""
    plt = _pyplot()
    maps = np.asarray(heatmaps, dtype=np.float64)
    if maps.ndim == 4:
        maps = maps.sum(axis=-1)
    k = maps.shape[0]
    columns = max(1, min(columns, k))
    rows = (k + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.7 * rows), squeeze=False)
    for i, axis in enumerate(axes.flat):
        axis.axis("off")
        if i >= k:
            continue
        limit = max(1e-12, float(np.abs(maps[i]).max()))
        axis.imshow(maps[i], cmap=cmap, vmin=-limit, vmax=limit)
        if labels is not None:
            axis.set_title(str(labels[i]), fontsize=8)
    return _finish(figure, path)
