using System;
using NetGen.Kernels;
using NetGen.Workloads;

// mnist-e2e with NetGen, compiled ahead of time: the bench's netgen-aot engines. Arguments: threads, data folder.
if (args.Length != 2 || !int.TryParse(args[0], out int threads) || threads < 1)
{
    Console.Error.WriteLine("Usage: NetGen.EndToEndAot THREADS DATA_FOLDER");
    return 2;
}

KernelThreads.MaxThreads = threads;
(float[] trainX, int[] trainLabels, float[] testX, int[] testLabels) = EndToEndTraining.LoadSplit(args[1]);
int[] predicted = EndToEndTraining.TrainNetGen(trainX, trainLabels, testX);
Console.WriteLine(EndToEndTraining.ResultLine(predicted, testLabels));
return 0;
