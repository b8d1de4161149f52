using System;
using DslNets;
using Xor;

// The four XOR cases, one row per sample, and their classes.
float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
int[] labels = [0, 1, 1, 0];

var network = new XorNet();
var optimizer = new Sgd(learningRate: 0.5f, momentum: 0.9f);
Console.WriteLine($"XorNet: {XorNet.ParameterCount} parameters, seed {XorNet.Seed}");

const int Steps = 300;
for (int step = 1; step <= Steps; step++)
{
    float loss = network.TrainStep(inputs, labels, batchSize: 4, optimizer);
    if (step == 1 || step % 25 == 0)
        Console.WriteLine($"step {step,4}  loss {loss:F6}");
}

float[] probabilities = new float[4 * XorNet.OutputSize];
network.Predict(inputs, probabilities, batchSize: 4);
int correct = 0;
for (int i = 0; i < 4; i++)
{
    int predicted = probabilities[2 * i + 1] > probabilities[2 * i] ? 1 : 0;
    correct += predicted == labels[i] ? 1 : 0;
    Console.WriteLine($"{inputs[2 * i]} xor {inputs[2 * i + 1]} -> {predicted}  (p = {probabilities[2 * i + predicted]:F4})");
}

Console.WriteLine($"accuracy {100.0 * correct / 4:F0}%");
return correct == 4 ? 0 : 1;
