return NetGen.Benchmarks.Verification.Run();
