using System;
using InferenceAot;

// Classifies test images with weights saved by samples/FashionMnist; --help lists the options.
return InferenceApp.Run(args, Console.Out, Console.Error);
