using System;
using DslNets;
using FlawedNetwork;

// The network runs; the build warnings say why it would train badly.
INetwork network = new FlawedMlp();
Console.WriteLine($"{network.Name}: {network.InputSize} -> {network.OutputSize}, MaxBatch {network.MaxBatch}, loss {network.Loss}");
foreach (OperationInfo operation in network.Operations)
    Console.WriteLine($"  {operation.Layer,-8} {operation.Kind,-16} {operation.InFeatures,3} -> {operation.OutFeatures,-3}");
Console.WriteLine("Run `dotnet build samples/FlawedNetwork` and read the DSL warnings; docs/diagnostics.md explains each one.");
