using Compiled.Samples;
using Compiled.Samples.FashionMnist;

// compiled-fashion-mnist: train a CNN on Fashion-MNIST, printing the training loss, the test accuracy and the seconds of
// every epoch, then the final test accuracy (scripts/fetch-fashion-mnist.sh gets the data). FashionModels lists the
// models and their defaults; the command line and the run are Samples/Common's, shared with Samples/Mnist.
return SampleProgram.Main(FashionModels.Definition, args);
