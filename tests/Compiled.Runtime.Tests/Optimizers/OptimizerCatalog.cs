using System;
using System.Collections.Generic;
using Compiled.Optimizers;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>Every element-wise optimizer in several configurations (every state buffer and branch), for the shared tests.</summary>
internal static class OptimizerCatalog
{
    private static readonly Dictionary<string, Func<Optimizer>> s_factories = new()
    {
        ["sgd"] = () => new Sgd(0.05f),
        ["sgd-momentum"] = () => new Sgd(0.05f, 0.9f),
        ["sgd-nesterov-wd"] = () => new Sgd(0.05f, 0.9f, weightDecay: 1e-2f, nesterov: true),
        ["sgd-dampening-maximize"] = () => new Sgd(0.05f, 0.5f, dampening: 0.3f, weightDecay: 5e-4f, maximize: true),
        ["adagrad"] = () => new Adagrad(0.1f, learningRateDecay: 0.01f, weightDecay: 0.01f, initialAccumulatorValue: 0.1f),
        ["adadelta"] = () => new Adadelta(1f, 0.8f, weightDecay: 0.01f, maximize: true),
        ["rmsprop"] = () => new RmsProp(0.01f),
        ["rmsprop-centered-momentum-wd"] = () => new RmsProp(0.01f, 0.9f, weightDecay: 0.01f, momentum: 0.5f, centered: true),
        ["adam"] = () => new Adam(0.01f),
        ["adam-amsgrad-wd-maximize"] = () => new Adam(0.01f, weightDecay: 1e-2f, amsGrad: true, maximize: true),
        ["adamw-amsgrad"] = () => new AdamW(0.01f, weightDecay: 0.1f, amsGrad: true),
        ["adamax"] = () => new Adamax(0.01f, weightDecay: 0.01f, maximize: true),
        ["nadam"] = () => new NAdam(0.01f, weightDecay: 0.01f),
        ["radam"] = () => new RAdam(0.01f, beta2: 0.9f, weightDecay: 0.01f),
        ["asgd"] = () => new Asgd(0.05f, lambda: 0.01f, t0: 2f, weightDecay: 0.01f),
        ["rprop"] = () => new Rprop(0.01f, maximize: true),
        ["sparse-adam"] = () => new SparseAdam(0.01f),
    };

    public static IEnumerable<string> Names => s_factories.Keys;

    public static Optimizer Create(string name) => s_factories[name]();
}
