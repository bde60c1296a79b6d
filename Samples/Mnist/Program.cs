using System;
using System.IO;
using Compiled.Samples.Mnist;
using Compiled.Training;

// compiled-mnist: train LeNet-5 or the MLP on MNIST, then report the test accuracy (scripts/fetch-mnist.sh gets the data).
// SampleCommand declares the options (System.CommandLine prints help and errors); SampleRun does the work.
return new SampleCommand().Invoke(args, options =>
{
    try
    {
        return SampleRun.Run(options, Console.Out);
    }
    catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or NonFiniteException)
    {
        Console.Error.WriteLine($"compiled-mnist: {e.Message}");
        return 1;
    }
});
