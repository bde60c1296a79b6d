using System;
using System.Linq;
using System.Reflection;

namespace Compiled.Runtime.Tests.Declarations;

/// <summary>
/// The declaration attributes of the deep-CNN layers and blocks: their defaults are PyTorch's, and the forms docs/api.md
/// shows compile and read back as written. (This project does not run the generator, so these classes stay plain.)
/// </summary>
public class DeclarationTests
{
    [Block("channels", "stride = 1")]
    [Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm, ReLU]
    [Conv2D(8, Kernel = 3, Padding = 1, Bias = false), BatchNorm(Momentum = 0.01, Epsilon = 1e-3)]
    [Shortcut(When = ShortcutWhen.ShapeChanges)]
    [Conv2D(8, Kernel = 1, Bias = false), BatchNorm]
    [Residual, ReLU]
    private sealed class Basic;

    [Block("c1", "c3")]
    [Branch, Conv2D(4, Kernel = 1), ReLU]
    [Branch(Name = "tower"), Conv2D(2, Kernel = 1), ReLU, Conv2D(4, Kernel = 3, Padding = 1), ReLU]
    [Concat]
    private sealed class TwoBranches;

    [Input(1, 12, 12)]
    [Conv2D(4, Padding = 1), BatchNorm, ReLU, LocalResponseNorm(5)]
    [Use(typeof(Basic), 4, Repeat = 2)]
    [Use(typeof(Basic), 8, Stride = 2, Repeat = 2, Name = "stage2")]
    [Use(typeof(TwoBranches), 4, 6)]
    [Dropout2d(0.1), GlobalAvgPool, Dropout(0.5), Dense(10), SoftmaxCrossEntropy]
    private sealed class Net;

    private static T[] All<T>(Type type) where T : Attribute => type.GetCustomAttributes<T>(inherit: false).ToArray();

    [Fact]
    public void Batch_norm_and_lrn_default_to_pytorchs_constants()
    {
        var bn = new BatchNormAttribute();
        Assert.Equal(0.1, bn.Momentum);   // nn.BatchNorm2d(momentum=0.1)
        Assert.Equal(1e-5, bn.Epsilon);   // eps=1e-5
        Assert.Null(bn.Name);

        var lrn = new LocalResponseNormAttribute(5);
        Assert.Equal(5, lrn.Size);
        Assert.Equal(1e-4, lrn.Alpha);    // nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)
        Assert.Equal(0.75, lrn.Beta);
        Assert.Equal(1.0, lrn.K);

        Assert.Equal(NetworkMode.Evaluation, default(NetworkMode));
        Assert.Equal(ShortcutWhen.Always, new ShortcutAttribute().When);
    }

    [Fact]
    public void Block_attributes_read_back_as_written()
    {
        BlockAttribute block = Assert.Single(All<BlockAttribute>(typeof(Basic)));
        Assert.Equal(["channels", "stride = 1"], block.Parameters);
        Assert.Equal(ShortcutWhen.ShapeChanges, Assert.Single(All<ShortcutAttribute>(typeof(Basic))).When);
        Assert.Single(All<ResidualAttribute>(typeof(Basic)));
        BatchNormAttribute[] norms = All<BatchNormAttribute>(typeof(Basic));
        Assert.Equal(3, norms.Length);
        Assert.Contains(norms, n => n.Momentum == 0.01 && n.Epsilon == 1e-3);

        BranchAttribute[] branches = All<BranchAttribute>(typeof(TwoBranches));
        Assert.Equal(2, branches.Length);
        Assert.Contains(branches, b => b.Name == "tower");
        Assert.Single(All<ConcatAttribute>(typeof(TwoBranches)));

        UseAttribute[] uses = All<UseAttribute>(typeof(Net));
        Assert.Equal(3, uses.Length);
        UseAttribute stage2 = Assert.Single(uses, u => u.Name == "stage2");
        Assert.Equal(typeof(Basic), stage2.Block);
        Assert.Equal([(object)8], stage2.Arguments);
        Assert.Equal(2, stage2.Repeat);
        Assert.Equal(2, stage2.Stride);
        UseAttribute first = Assert.Single(uses, u => u.Name is null && u.Block == typeof(Basic));
        Assert.Null(first.Stride);   // not bound: the block's default applies
        Assert.Equal(2, first.Repeat);
        UseAttribute inception = Assert.Single(uses, u => u.Block == typeof(TwoBranches));
        Assert.Equal([(object)4, 6], inception.Arguments);
        Assert.Equal(1, inception.Repeat);

        Assert.Equal(0.5, Assert.Single(All<DropoutAttribute>(typeof(Net))).Rate);
        Assert.Equal(0.1, Assert.Single(All<Dropout2dAttribute>(typeof(Net))).Rate);
        Assert.Single(All<GlobalAvgPoolAttribute>(typeof(Net)));
        Assert.Equal(5, Assert.Single(All<LocalResponseNormAttribute>(typeof(Net))).Size);
    }

    [Fact]
    public void Block_and_use_attributes_are_where_the_generator_looks_for_them()
    {
        // Block marks a class (once); the others are layers: in the ordered layer list, repeatable, with a Name.
        AttributeUsageAttribute usage = typeof(BlockAttribute).GetCustomAttribute<AttributeUsageAttribute>()!;
        Assert.Equal(AttributeTargets.Class, usage.ValidOn);
        Assert.False(usage.AllowMultiple);
        foreach (Type layer in new[] { typeof(UseAttribute), typeof(ShortcutAttribute), typeof(ResidualAttribute), typeof(BranchAttribute),
                                       typeof(ConcatAttribute), typeof(BatchNormAttribute), typeof(DropoutAttribute), typeof(Dropout2dAttribute),
                                       typeof(GlobalAvgPoolAttribute), typeof(LocalResponseNormAttribute) })
        {
            Assert.True(layer.IsSubclassOf(typeof(LayerAttribute)), $"{layer.Name} derives from LayerAttribute");
            Assert.Equal("Compiled", layer.Namespace);
        }
    }
}
