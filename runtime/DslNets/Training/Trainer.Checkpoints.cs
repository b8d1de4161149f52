using System;
using System.IO;

namespace DslNets.Training;

// Checkpoint I/O: the binary format that resumes training bit for bit (see SaveCheckpoint for what it holds).
public sealed partial class Trainer<TTarget>
{
    private const string CheckpointMagic = "DslNets.Checkpoint";
    private const int CheckpointVersion = 1;

    /// <summary>
    /// Writes everything needed to continue training exactly: parameters, buffers, the optimizer's state (the
    /// optimizer must derive from <see cref="Optimizer"/>), the network's noise generator state, the epoch and batch
    /// counters, the base learning rate, the seed and the early-stopping state (including the best weights).
    /// </summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_optimizer is not Optimizer optimizer)
        {
            throw new InvalidOperationException(
                $"Checkpoints store the optimizer's state, which {_optimizer.GetType().Name} does not expose: use an optimizer derived from DslNets.Optimizer.");
        }

        using var optimizerState = new MemoryStream();
        optimizer.SaveState(optimizerState);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(CheckpointMagic);
        writer.Write(CheckpointVersion);
        writer.Write(_network.Fingerprint);
        writer.Write(_options.Seed);
        writer.Write(Epoch);
        writer.Write(BatchesTrained);
        writer.Write(BaseLearningRate);
        writer.Write(_bestMetric);
        writer.Write(_bestEpoch);
        writer.Write(_wait);
        writer.Write(_stopped);
        WriteFloats(writer, _network.Parameters);
        WriteFloats(writer, _network.Buffers);
        Span<uint> noise = stackalloc uint[SeededRandom.StateLength];
        _network.NoiseState.WriteState(noise);
        foreach (uint word in noise)
            writer.Write(word);
        writer.Write(_bestParameters is not null);
        if (_bestParameters is not null)
        {
            WriteFloats(writer, _bestParameters);
            WriteFloats(writer, _bestBuffers);
        }

        writer.Write((int)optimizerState.Length);
        writer.Write(optimizerState.GetBuffer(), 0, (int)optimizerState.Length);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> for a network with the same fingerprint and the
    /// same seed; <see cref="Fit"/> then continues with the next epoch and produces the same weights as a run that
    /// was never interrupted. Everything is read and checked first: a bad checkpoint throws
    /// <see cref="InvalidDataException"/> and changes nothing.
    /// </summary>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (_optimizer is not Optimizer optimizer)
        {
            throw new InvalidOperationException(
                $"Checkpoints store the optimizer's state, which {_optimizer.GetType().Name} does not expose: use an optimizer derived from DslNets.Optimizer.");
        }

        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != CheckpointMagic)
                throw new InvalidDataException("Not a DslNets checkpoint.");
            int version = reader.ReadInt32();
            if (version != CheckpointVersion)
                throw new InvalidDataException($"Unknown checkpoint version {version}; expected {CheckpointVersion}.");
            string fingerprint = reader.ReadString();
            if (fingerprint != _network.Fingerprint)
                throw new InvalidDataException($"The checkpoint is for a network with fingerprint '{fingerprint}', not '{_network.Fingerprint}'.");
            long seed = reader.ReadInt64();
            if (seed != _options.Seed)
                throw new InvalidDataException($"The checkpoint was trained with Seed = {seed}; these options have Seed = {_options.Seed}, so the run would not continue identically.");
            int epoch = reader.ReadInt32();
            long batches = reader.ReadInt64();
            float baseLearningRate = reader.ReadSingle();
            float bestMetric = reader.ReadSingle();
            int bestEpoch = reader.ReadInt32();
            int wait = reader.ReadInt32();
            bool stopped = reader.ReadBoolean();
            if (epoch < 0 || batches < 0 || bestEpoch < 0 || bestEpoch > epoch || wait < 0)
                throw new InvalidDataException($"The checkpoint's counters are inconsistent (epoch {epoch}, batches {batches}, best epoch {bestEpoch}, wait {wait}).");
            float[] parameters = ReadFloats(reader, _network.Parameters.Length, "parameters");
            float[] buffers = ReadFloats(reader, _network.Buffers.Length, "buffers");
            var noiseWords = new uint[SeededRandom.StateLength];
            for (int i = 0; i < noiseWords.Length; i++)
                noiseWords[i] = reader.ReadUInt32();
            if ((noiseWords[0] | noiseWords[1] | noiseWords[2] | noiseWords[3]) == 0)
                throw new InvalidDataException("The checkpoint's noise generator state is all zeros, which xoshiro128** cannot be in.");
            SeededRandom noise = SeededRandom.FromState(noiseWords);
            float[]? bestParameters = null, bestBuffers = null;
            if (reader.ReadBoolean())
            {
                bestParameters = ReadFloats(reader, _network.Parameters.Length, "best parameters");
                bestBuffers = ReadFloats(reader, _network.Buffers.Length, "best buffers");
            }

            int optimizerLength = reader.ReadInt32();
            if (optimizerLength < 0)
                throw new InvalidDataException($"The checkpoint's optimizer state has a negative length ({optimizerLength}).");
            byte[] optimizerState = reader.ReadBytes(optimizerLength);
            if (optimizerState.Length != optimizerLength)
                throw new InvalidDataException("The checkpoint ends inside the optimizer state.");

            // The optimizer validates its whole state before it changes; after it, nothing below can fail.
            optimizer.LoadState(new MemoryStream(optimizerState, writable: false));
            parameters.CopyTo(_network.Parameters);
            buffers.CopyTo(_network.Buffers);
            _network.NoiseState = noise;
            _network.OnParametersChanged();
            Epoch = epoch;
            BatchesTrained = batches;
            BaseLearningRate = baseLearningRate;
            _bestMetric = bestMetric;
            _bestEpoch = bestEpoch;
            _wait = wait;
            _stopped = stopped;
            _bestParameters = bestParameters;
            _bestBuffers = bestBuffers;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The checkpoint ends early.", e);
        }
    }

    private static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        writer.Write(values.Length);
        foreach (float value in values)
            writer.Write(value);
    }

    private static float[] ReadFloats(BinaryReader reader, int expectedLength, string what)
    {
        int length = reader.ReadInt32();
        if (length != expectedLength)
            throw new InvalidDataException($"The checkpoint's {what} have {length} values; this network has {expectedLength}.");
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = reader.ReadSingle();
        return values;
    }
}
