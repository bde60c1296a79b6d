using System;
using Compiled.Kernels;
using Compiled.Kernels.Reference;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>
/// Every reference backward pass against central differences of its forward pass, in double (h = 1e-6, relative error
/// under 1e-6). Layers are checked through L = Σ r·y with random r, so dy = r. Inputs stay away from the kinks of ReLU,
/// the hinge and max pooling (no ties), where the derivative is not defined.
/// </summary>
public class ReferenceGradientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Dense(bool bias)
    {
        var random = new TestValues(61);
        int n = 3, inFeatures = 4, outFeatures = 5;
        double[] x = random.Doubles(n * inFeatures), w = random.Doubles(outFeatures * inFeatures), b = bias ? random.Doubles(outFeatures) : [];
        double[] r = random.Doubles(n * outFeatures), y = new double[r.Length];
        double Loss()
        {
            DenseReference.Forward<double>(x, w, b, y, n, inFeatures, outFeatures);
            return FiniteDifferences.Dot(r, y);
        }

        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[b.Length];
        DenseReference.Backward<double>(x, w, r, dx, dw, db, n, inFeatures, outFeatures);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(w, Loss), dw, "dw");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(b, Loss), db, "db");
    }

    public static TheoryData<Conv2DGeometry> ConvGeometries => new()
    {
        new Conv2DGeometry(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1),   // padding 1
        new Conv2DGeometry(2, 6, 7, 2, 3, 3, 2, 2, 0, 0, 0, 0),   // stride 2
        new Conv2DGeometry(1, 6, 5, 2, 4, 3, 2, 1, 1, 2, 2, 0),   // even × odd kernel, mixed strides, asymmetric padding
        new Conv2DGeometry(3, 3, 4, 2, 1, 1, 1, 1, 0, 0, 0, 0),   // 1×1
    };

    [Theory]
    [MemberData(nameof(ConvGeometries))]
    public void Conv2D(Conv2DGeometry g)
    {
        var random = new TestValues(62);
        int n = 2;
        double[] x = random.Doubles(n * g.InputLength), w = random.Doubles(g.WeightLength), b = random.Doubles(g.OutChannels);
        double[] r = random.Doubles(n * g.OutputLength), y = new double[r.Length];
        double Loss()
        {
            Conv2DReference.Forward<double>(g, x, w, b, y, n);
            return FiniteDifferences.Dot(r, y);
        }

        double[] dx = new double[x.Length], dw = new double[w.Length], db = new double[b.Length];
        Conv2DReference.Backward<double>(g, x, w, r, dx, dw, db, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, "dx");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(w, Loss), dw, "dw");
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(b, Loss), db, "db");
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 2)]     // overlapping windows
    [InlineData(2, 1)]
    public void Pools(int window, int stride)
    {
        var random = new TestValues(63);
        var g = new Pool2DGeometry(2, 7, 6, window, stride);
        int n = 2;
        // Distinct values at least 1e-3 apart: a step of 1e-6 never changes which element is the maximum.
        double[] x = new double[n * g.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = (i * 7919 % x.Length) * 1e-2 + random.NextDouble() * 1e-3;
        double[] r = random.Doubles(n * g.OutputLength), y = new double[r.Length];
        int[] argmax = new int[r.Length];

        double MaxLoss()
        {
            PoolReference.MaxForward<double>(g, x, y, argmax, n);
            return FiniteDifferences.Dot(r, y);
        }
        MaxLoss();
        double[] dx = new double[x.Length];
        PoolReference.MaxBackward<double>(g, r, argmax, dx, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, MaxLoss), dx, "max dx");

        double AvgLoss()
        {
            PoolReference.AvgForward<double>(g, x, y, n);
            return FiniteDifferences.Dot(r, y);
        }
        PoolReference.AvgBackward<double>(g, r, dx, n);
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, AvgLoss), dx, "avg dx");
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("leaky")]
    [InlineData("elu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    public void Activations(string name)
    {
        var random = new TestValues(64);
        double[] x = random.DoublesAwayFromZero(40, -4, 4, 1e-3), r = random.Doubles(40), y = new double[40], dx = new double[40];
        const double slope = 0.07, alpha = 1.4;
        void Forward()
        {
            switch (name)
            {
                case "relu": ActivationReference.Relu<double>(x, y); break;
                case "leaky": ActivationReference.LeakyRelu<double>(x, y, slope); break;
                case "elu": ActivationReference.Elu<double>(x, y, alpha); break;
                case "sigmoid": ActivationReference.Sigmoid<double>(x, y); break;
                default: ActivationReference.Tanh<double>(x, y); break;
            }
        }
        double Loss()
        {
            Forward();
            return FiniteDifferences.Dot(r, y);
        }

        Forward();
        switch (name)
        {
            case "relu": ActivationReference.ReluBackward<double>(y, r, dx); break;
            case "leaky": ActivationReference.LeakyReluBackward<double>(x, r, dx, slope); break;
            case "elu": ActivationReference.EluBackward<double>(x, y, r, dx, alpha); break;
            case "sigmoid": ActivationReference.SigmoidBackward<double>(y, r, dx); break;
            default: ActivationReference.TanhBackward<double>(y, r, dx); break;
        }
        FiniteDifferences.AssertMatches(FiniteDifferences.Gradient(x, Loss), dx, name);
    }

    [Fact]
    public void Softmax_cross_entropy_with_labels()
    {
        var random = new TestValues(65);
        int n = 3, classes = 5;
        const double scale = 0.5;
        double[] logits = random.Doubles(n * classes, -3, 3), d = new double[logits.Length];
        int[] labels = [4, 0, 2];
        LossReference.SoftmaxCrossEntropy<double>(logits, labels, d, n, classes, scale);
        double[] numeric = FiniteDifferences.Gradient(logits, () => LossReference.SoftmaxCrossEntropy<double>(logits, labels, new double[logits.Length], n, classes, scale));
        FiniteDifferences.AssertMatches(Scaled(numeric, scale), d, "dlogits");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Softmax_cross_entropy_with_one_hot_or_soft_targets(bool oneHot)
    {
        var random = new TestValues(66);
        int n = 3, classes = 4;
        const double scale = 0.25;
        double[] logits = random.Doubles(n * classes, -3, 3), d = new double[logits.Length];
        double[] targets = oneHot ? [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1] : random.Doubles(n * classes, 0, 1);
        LossReference.SoftmaxCrossEntropy<double>(logits, targets, d, n, classes, scale);
        double[] numeric = FiniteDifferences.Gradient(logits, () => LossReference.SoftmaxCrossEntropy<double>(logits, targets, new double[logits.Length], n, classes, scale));
        FiniteDifferences.AssertMatches(Scaled(numeric, scale), d, "dlogits");
    }

    [Fact]
    public void Sigmoid_binary_cross_entropy()
    {
        var random = new TestValues(67);
        double[] logits = random.Doubles(12, -6, 6), targets = random.Doubles(12, 0, 1), d = new double[12];
        LossReference.SigmoidBinaryCrossEntropy<double>(logits, targets, d, 12, 0.5);
        double[] numeric = FiniteDifferences.Gradient(logits, () => LossReference.SigmoidBinaryCrossEntropy<double>(logits, targets, new double[12], 12, 0.5));
        FiniteDifferences.AssertMatches(Scaled(numeric, 0.5), d, "dlogits");
    }

    [Fact]
    public void Mean_squared_error()
    {
        var random = new TestValues(68);
        double[] predictions = random.Doubles(12, -2, 2), targets = random.Doubles(12), d = new double[12];
        LossReference.MeanSquaredError<double>(predictions, targets, d, 12, 0.125);
        double[] numeric = FiniteDifferences.Gradient(predictions, () => LossReference.MeanSquaredError<double>(predictions, targets, new double[12], 12, 0.125));
        FiniteDifferences.AssertMatches(Scaled(numeric, 0.125), d, "dpredictions");
    }

    [Fact]
    public void Multi_class_hinge()
    {
        var random = new TestValues(69);
        int n = 4, classes = 5;
        const double margin = 1, scale = 0.25;
        int[] labels = [0, 3, 4, 1];
        // Redrawn until no margin term lies within 1e-2 of its kink at 0.
        double[] scores;
        do scores = random.Doubles(n * classes, -1.5, 1.5);
        while (NearKink(scores, labels, classes, margin));
        double[] d = new double[scores.Length];
        LossReference.MultiClassHinge<double>(scores, labels, d, n, classes, margin, scale);
        double[] numeric = FiniteDifferences.Gradient(scores, () => LossReference.MultiClassHinge<double>(scores, labels, new double[scores.Length], n, classes, margin, scale));
        FiniteDifferences.AssertMatches(Scaled(numeric, scale), d, "dscores");
        Assert.Contains(d, v => v != 0);   // some margins are active
    }

    private static bool NearKink(double[] scores, int[] labels, int classes, double margin)
    {
        for (int i = 0; i < labels.Length; i++)
        for (int j = 0; j < classes; j++)
        {
            if (j != labels[i] && Math.Abs(margin - scores[i * classes + labels[i]] + scores[i * classes + j]) < 1e-2) return true;
        }
        return false;
    }

    private static double[] Scaled(double[] values, double scale) => Array.ConvertAll(values, v => v * scale);
}
