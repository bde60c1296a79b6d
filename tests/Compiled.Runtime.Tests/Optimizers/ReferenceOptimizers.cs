using System;

namespace Compiled.Runtime.Tests.Optimizers;

/// <summary>
/// torch.optim.SGD and torch.optim.Adam written out again, in double, straight from PyTorch's documented update rules,
/// as the independent reference the float implementations are held against.
/// </summary>
internal static class ReferenceOptimizers
{
    public sealed class Sgd(double lr, double momentum, double dampening, double weightDecay, bool nesterov)
    {
        private double[]? _buffer;

        public void Step(double[] p, double[] g)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + weightDecay * p[i];
                if (momentum != 0)
                {
                    if (_buffer is null) { _buffer = new double[p.Length]; FirstStep = true; }
                    _buffer[i] = FirstStep ? d : momentum * _buffer[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * _buffer[i] : _buffer[i];
                }
                p[i] -= lr * d;
            }
            FirstStep = false;
        }

        private bool FirstStep { get; set; }
    }

    public sealed class Adam(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsGrad)
    {
        private double[]? _m, _v, _vMax;
        private int _t;

        public void Step(double[] p, double[] g)
        {
            _m ??= new double[p.Length];
            _v ??= new double[p.Length];
            _vMax ??= new double[p.Length];
            _t++;
            double bc1 = 1 - Math.Pow(beta1, _t);
            double bc2 = 1 - Math.Pow(beta2, _t);
            for (int i = 0; i < p.Length; i++)
            {
                double grad = g[i] + weightDecay * p[i];
                _m[i] = beta1 * _m[i] + (1 - beta1) * grad;
                _v[i] = beta2 * _v[i] + (1 - beta2) * grad * grad;
                double v = _v[i];
                if (amsGrad) v = _vMax[i] = Math.Max(_vMax[i], _v[i]);
                double denom = Math.Sqrt(v) / Math.Sqrt(bc2) + eps;
                p[i] -= lr / bc1 * _m[i] / denom;
            }
        }
    }
}
