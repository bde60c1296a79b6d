// TorchSharp runner of the benchmark: trains the model for one epoch exactly as bench_pytorch.py does (same models,
// data, normalization, batch, SGD momentum, learning rate), then reports time to first batch, test accuracy, inference
// images/s at batch 64 and 1 (one thread and all threads) and the process's peak resident memory, as JSON lines
// (BenchCommon.cs). The models are built in Models.cs.
using System;
using System.Diagnostics;
using Compiled.Benchmarks.TorchSharpRunner;
using Compiled.Benchmarks;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

RunnerOptions o;
try { o = RunnerOptions.Parse(args, "torchsharp"); }
catch (ArgumentException e) { Console.Error.WriteLine($"bench-torchsharp: {e.Message}"); return 2; }

ImageData data = ImageData.Load(o.Data, o.Limit, o.TestLimit);
torch.set_num_threads(o.Threads);
torch.manual_seed(o.Seed);
Module<Tensor, Tensor> model = Models.Create(o.Model);
var optimizer = torch.optim.SGD(model.parameters(), o.LearningRate, momentum: o.Momentum);
var lossFn = CrossEntropyLoss();
using Tensor trainX = torch.tensor(data.TrainImages, [data.TrainCount, 1, 28, 28]);  // Flatten() makes the MLP's rows
using Tensor trainY = torch.tensor(data.TrainLabels, ScalarType.Int64);
using Tensor testX = torch.tensor(data.TestImages, [data.TestCount, 1, 28, 28]);
using Tensor testY = torch.tensor(data.TestLabels, ScalarType.Int64);

// One epoch: shuffle, gather, forward, loss, backward, update, all inside the timed region.
model.train();
var generator = new torch.Generator((ulong)o.Seed);
var sw = Stopwatch.StartNew();
using (Tensor order = torch.randperm(data.TrainCount, generator: generator))
{
    for (int first = 0; first < data.TrainCount; first += o.Batch)
    {
        using var scope = torch.NewDisposeScope();
        int size = Math.Min(o.Batch, data.TrainCount - first);
        Tensor idx = order.narrow(0, first, size);
        Tensor x = trainX.index_select(0, idx), y = trainY.index_select(0, idx);
        optimizer.zero_grad();
        Tensor loss = lossFn.forward(model.forward(x), y);
        loss.backward();
        optimizer.step();
        if (first == 0) Measurements.Emit(o, "first_batch_seconds", Measurements.SecondsSinceProcessStart());
    }
}
double epochSeconds = sw.Elapsed.TotalSeconds;
Measurements.Emit(o, "train_images", data.TrainCount);
Measurements.Emit(o, "train_seconds_per_epoch", epochSeconds, o.Batch, o.Threads);

model.eval();
using (torch.no_grad())
{
    long correct = 0;
    for (int first = 0; first < data.TestCount; first += 256)
    {
        using var scope = torch.NewDisposeScope();
        int size = Math.Min(256, data.TestCount - first);
        correct += model.forward(testX.narrow(0, first, size)).argmax(1).eq(testY.narrow(0, first, size)).sum().ToInt64();
    }
    Measurements.Emit(o, "test_accuracy", (double)correct / data.TestCount);

    foreach (int batch in new[] { 64, 1 })
        foreach (int threads in InferenceTimer.ThreadCounts(o.Threads))
        {
            torch.set_num_threads(threads);
            double rate = InferenceTimer.ImagesPerSecond(data.TestCount, batch, o.InferSeconds, (first, size) =>
            {
                using var scope = torch.NewDisposeScope();
                model.forward(testX.narrow(0, first, size));
            });
            Measurements.Emit(o, "infer_images_per_second", rate, batch, threads);
        }
}
Measurements.Emit(o, "peak_rss_mib", Measurements.PeakResidentMiB());
return 0;
