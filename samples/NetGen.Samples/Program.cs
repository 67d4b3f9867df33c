using System;
using NetGen.Samples;

XorSample.Run();
Console.WriteLine();
IrisSample.Run();
