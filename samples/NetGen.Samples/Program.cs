using System;
using NetGen.Samples;

return SampleRunner.Run(args, Console.Out);
