// The fresh-project check's program (scripts/ci/package-check.sh copies it into a new console project that references
// only the Compiled package): a small CNN trained for one epoch on part of MNIST, as a new user would write it.
// Usage: app MNIST_DIR TRAIN_IMAGES. Prints the SIMD path, the trainer's epoch line, and one "check:" line the script reads
// (the epoch's wall time, the process's CPU time over the epoch, the loss and the accuracy on 2000 test images, and whether
// an inference session gives the network's bits).
using System.Diagnostics;
using System.Globalization;
using Compiled;
using Compiled.Data;
using Compiled.Kernels;
using Compiled.Metrics;
using Compiled.Optimizers;
using Compiled.Training;

string dataDirectory = args.Length > 0 ? args[0] : "data/mnist";
int trainImages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10000;

var network = new SmallCnn(threads: 1);   // one thread: steadier timings on a shared machine
network.Initialize(seed: 1);
VectorWidth width = Simd.Width;
Console.WriteLine($"SIMD: {Simd.Describe(width)}{(Simd.IsAccelerated(width) ? "" : ", emulated")}; threads: {network.Threads}");

var (train, test) = MnistDataset.Load(dataDirectory);
train = train.Take(trainImages);
test = test.Take(2000);
Standardization standardization = Standardization.Fit(train);
standardization.Apply(train);
standardization.Apply(test);

var trainer = new Trainer(network, new Sgd(0.02f, momentum: 0.9f), new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 1 });
TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
EpochRecord epoch = trainer.Fit(train).Epochs[^1];
double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;   // steadier than wall time on a busy machine
EvaluationResult result = Evaluator.Run(network, test);

// Deployment as the guide shows it: an inference session on a batch of 64 test images gives the network's probabilities
// bit for bit (the session keeps its dense layer's weights packed; the network packs per call).
const int batch = 64;
float[] images = test.Features.AsSpan(0, batch * SmallCnn.InputLength).ToArray();
float[] expected = new float[batch * SmallCnn.OutputLength], served = new float[batch * SmallCnn.OutputLength];
network.Predict(images, expected, batch);
bool sessionMatches;
using (InferenceSession session = network.CreateInferenceSession())
{
    session.Predict(images, served, batch);
    session.Predict(images, served, batch);   // the kept packing
    sessionMatches = expected.AsSpan().SequenceEqual(served);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"check: width={(int)width} accelerated={Simd.IsAccelerated(width)} train_seconds={epoch.TrainSeconds:F4} cpu_seconds={cpuSeconds:F4} loss={epoch.TrainLoss:F4} test_accuracy={result.Accuracy:F4} session_matches={sessionMatches}"));

/// <summary>conv 5×5 (8 channels) → ReLU → 2×2 max pool → dense 10 → softmax cross-entropy: 28×28 → 24×24×8 → 12×12×8 → 10.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(8, Kernel = 5), ReLU, MaxPool(2)]
[Dense(10), SoftmaxCrossEntropy]
public partial class SmallCnn;
