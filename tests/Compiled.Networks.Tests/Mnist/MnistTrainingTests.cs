using System;
using System.IO;
using Compiled.Data;
using Compiled.Metrics;
using Compiled.Networks.Tests.Smoke;
using Compiled.Networks.Tests.TestSupport;
using Compiled.Optimizers;
using Compiled.Training;

namespace Compiled.Networks.Tests.Mnist;

/// <summary>
/// Real MNIST (fetched by <c>scripts/fetch-mnist.sh</c> into <c>data/mnist</c>, as the README's commands and CI do):
/// LeNet-5 trained briefly on a subset must generalize to held-out test digits. A broken forward or backward pass,
/// initialization, optimizer or data pipeline lands near 10%; the whole stack working lands well above 90%.
/// </summary>
public sealed class MnistTrainingTests
{
    [Fact]
    public void LeNet5_trained_on_a_6000_image_subset_beats_90_percent_on_2000_test_images()
    {
        string directory = Path.Combine(RepositoryPaths.Root, "data", "mnist");
        Assert.True(File.Exists(Path.Combine(directory, "train-images-idx3-ubyte")) || File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")),
            $"MNIST is not in {directory}: run `bash scripts/fetch-mnist.sh` first (README).");

        (Dataset train, Dataset test) = MnistDataset.Load(directory);
        train = train.Take(6000);
        test = test.Take(2000);
        Standardization standardization = Standardization.Fit(train);
        standardization.Apply(train);
        standardization.Apply(test);

        var network = new SmokeLeNet5(threads: 2);
        network.Initialize(seed: 7);
        var trainer = new Trainer(network, new Sgd(0.02f, momentum: 0.9f), new TrainerOptions
        {
            Epochs = 2,
            BatchSize = 64,
            Seed = 7,
            Output = TextWriter.Null,
        });
        TrainingHistory history = trainer.Fit(train);

        EvaluationResult result = Evaluator.Run(network, test);
        Assert.True(result.Accuracy > 0.90, $"test accuracy {result.Accuracy:P2} after 2 epochs on 6000 images (final train loss {history.Epochs[^1].TrainLoss:F4})");
    }
}
