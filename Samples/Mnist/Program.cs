using Compiled.Samples;
using Compiled.Samples.Mnist;

// compiled-mnist: train LeNet-5 or the MLP on MNIST, then report the test accuracy (scripts/fetch-mnist.sh gets the data).
// MnistSample lists the models and their defaults; the command line and the run are shared with the other samples
// (Samples/Common: SampleCommand declares the options, SampleRun does the work).
return SampleProgram.Main(MnistSample.Definition, args);
