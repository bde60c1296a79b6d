using System;
using Compiled.Kernels;
using Compiled.Runtime.Tests.TestSupport;

namespace Compiled.Runtime.Tests.Kernels;

/// <summary>After a first call on a thread (which sizes the per-thread workspaces), kernels allocate nothing.</summary>
public class AllocationTests
{
    [Theory]
    [MemberData(nameof(TestValues.Widths), MemberType = typeof(TestValues))]
    public void A_training_step_worth_of_kernels_allocates_nothing_after_warm_up(VectorWidth width)
    {
        var random = new TestValues(71);
        var conv = new Conv2DGeometry(2, 9, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        var pool = new Pool2DGeometry(4, 9, 9, 2, 2);
        int n = 3, features = pool.OutputLength, classes = 7;
        float[] x = random.Floats(n * conv.InputLength), cw = random.Floats(conv.WeightLength), cb = random.Floats(conv.OutChannels);
        float[] cy = new float[n * conv.OutputLength], col = new float[conv.ColumnLength], py = new float[n * pool.OutputLength];
        int[] argmax = new int[py.Length];
        float[] dw = random.Floats(classes * features), db = new float[classes], logits = new float[n * classes], dlogits = new float[logits.Length];
        float[] dpy = new float[py.Length], dcy = new float[cy.Length], dcw = new float[cw.Length], dcb = new float[cb.Length], dx = new float[x.Length];
        float[] grads = random.Floats(1000), parameters = random.Floats(1000), ga = random.Floats(300 * 7), gb = random.Floats(9 * 300), gc = new float[7 * 9];
        int[] labels = [1, 6, 0];
        // A stride-2 3×3 layer with batch norm + ReLU fused (Conv3x3Kernels, BatchNormKernels' fused passes).
        var down = new Conv2DGeometry(4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1);
        float[] dwn = random.Floats(down.WeightLength), dy2 = new float[n * down.OutputLength], dx2 = new float[n * down.OutputLength], mean = new float[6], m2 = new float[6];
        float[] scale = random.Floats(6), shift = random.Floats(6), coefficients = random.Floats(18), sums = new float[6], sumsXmu = new float[6], dwd = new float[dwn.Length];

        void Step()
        {
            Conv2DKernels.Forward(conv, x, cw, cb, cy, col, n, width);
            ActivationKernels.Relu(cy, cy, width);
            PoolKernels.MaxForward(pool, cy, py, argmax, n, width);
            PoolKernels.AvgForward(pool, cy, py, n, width);
            DenseKernels.Forward(py, dw, db, logits, n, features, classes, width);
            LossKernels.SoftmaxCrossEntropy(logits, labels, dlogits, n, classes, 1f / n, width);
            LossKernels.MultiClassHinge(logits, labels, dlogits, n, classes, 1f, 1f / n, width);
            LossKernels.Softmax(logits, dlogits, n, classes, width);
            DenseKernels.Backward(py, dw, dlogits, dpy, dw, db, n, features, classes, width);
            PoolKernels.MaxBackward(pool, dpy, argmax, dcy, n, width);
            ActivationKernels.ReluBackward(cy, dcy, dcy, width);
            Conv2DKernels.Backward(conv, x, cw, dcy, dx, dcw, dcb, col, n, width);
            Conv3x3Kernels.ForwardWithStatistics(down, cy, dwn, [], dy2, mean, m2, n, width);
            Conv3x3Kernels.Forward(down, cy, dwn, [], dy2, n, Conv3x3Epilogue.Relu, width);
            BatchNormKernels.NormalizeRelu(dy2, scale, shift, dx2, n, 6, down.OutPixels, width);
            BatchNormKernels.SliceGradientSumsRelu(dy2, dx2, dy2, mean, sums, sumsXmu, n, 6, down.OutPixels, width);
            BatchNormKernels.InputGradientRelu(dy2, dx2, dy2, mean, coefficients, dx2, n, 6, down.OutPixels, false, width);
            Conv3x3Kernels.WeightGradient(down, cy, dx2, dwd, n, width);
            Gemm.Multiply(true, true, 7, 9, 300, ga, 7, gb, 300, gc, 9, false, width);
            VectorOps.AddScaled(grads, -0.1f, parameters, width);
            VectorOps.AllFinite(parameters, width);
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
