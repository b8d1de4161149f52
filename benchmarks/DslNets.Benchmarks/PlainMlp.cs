namespace DslNets.Benchmarks;

/// <summary>
/// The benchmark network written the ordinary way, as the unspecialized baseline: sizes are runtime values, every
/// product is a plain loop nest (inner loop over contiguous memory, which the JIT leaves scalar), buffers are
/// allocated once. Hidden layers: Dense (no bias), BatchNorm (batch statistics, eps 1e-5), ReLU, and Dropout after
/// the last hidden layer; output: Dense with bias, softmax cross-entropy; SGD with momentum.
/// </summary>
public sealed class PlainMlp
{
    private const float Epsilon = 1e-5f;
    private readonly int[] _sizes;
    private readonly float[][] _weights, _weightGradients, _velocities;
    private readonly float[] _outputBias, _outputBiasGradient, _outputBiasVelocity;
    private readonly float[][] _gamma, _beta, _gammaGradient, _betaGradient, _gammaVelocity, _betaVelocity;
    private readonly float[][] _dense, _normalized, _activated, _rstd;
    private readonly float[][] _deltas;
    private readonly float[] _mask;
    private readonly float _dropProbability, _learningRate, _momentum;
    private SeededRandom _random;

    /// <summary>Creates the network with He-uniform weights.</summary>
    public PlainMlp(int[] sizes, int maxBatch, float dropProbability, float learningRate, float momentum, int seed)
    {
        _sizes = sizes;
        _dropProbability = dropProbability;
        _learningRate = learningRate;
        _momentum = momentum;
        _random = new SeededRandom(seed, 0);
        int layers = sizes.Length - 1;
        _weights = new float[layers][];
        _weightGradients = new float[layers][];
        _velocities = new float[layers][];
        _gamma = new float[layers][];
        _beta = new float[layers][];
        _gammaGradient = new float[layers][];
        _betaGradient = new float[layers][];
        _gammaVelocity = new float[layers][];
        _betaVelocity = new float[layers][];
        _dense = new float[layers][];
        _normalized = new float[layers][];
        _activated = new float[layers][];
        _rstd = new float[layers][];
        _deltas = new float[layers + 1][];
        for (int l = 0; l < layers; l++)
        {
            int fanIn = sizes[l], fanOut = sizes[l + 1];
            _weights[l] = new float[fanIn * fanOut];
            float limit = MathF.Sqrt(6f / fanIn);
            for (int i = 0; i < _weights[l].Length; i++)
                _weights[l][i] = _random.NextSingle(-limit, limit);
            _weightGradients[l] = new float[fanIn * fanOut];
            _velocities[l] = new float[fanIn * fanOut];
            _gamma[l] = Enumerable.Repeat(1f, fanOut).ToArray();
            _beta[l] = new float[fanOut];
            _gammaGradient[l] = new float[fanOut];
            _betaGradient[l] = new float[fanOut];
            _gammaVelocity[l] = new float[fanOut];
            _betaVelocity[l] = new float[fanOut];
            _dense[l] = new float[maxBatch * fanOut];
            _normalized[l] = new float[maxBatch * fanOut];
            _activated[l] = new float[maxBatch * fanOut];
            _rstd[l] = new float[fanOut];
            _deltas[l] = new float[maxBatch * Math.Max(fanIn, fanOut)];
        }

        _deltas[layers] = new float[maxBatch * sizes[layers]];
        _mask = new float[maxBatch * sizes[layers - 1]];
        _outputBias = new float[sizes[layers]];
        _outputBiasGradient = new float[sizes[layers]];
        _outputBiasVelocity = new float[sizes[layers]];
    }

    /// <summary>Forward, loss, backward and SGD update for one batch; returns the mean cross-entropy.</summary>
    public float TrainStep(float[] inputs, int[] labels, int batch)
    {
        int layers = _sizes.Length - 1;
        float[] x = inputs;
        for (int l = 0; l < layers; l++)
        {
            int inF = _sizes[l], outF = _sizes[l + 1];
            float[] y = _dense[l], w = _weights[l];
            for (int b = 0; b < batch; b++)
            {
                for (int o = 0; o < outF; o++)
                {
                    float sum = l == layers - 1 ? _outputBias[o] : 0f;
                    for (int i = 0; i < inF; i++)
                        sum += x[b * inF + i] * w[o * inF + i];
                    y[b * outF + o] = sum;
                }
            }

            if (l == layers - 1)
                break;
            BatchNormForward(l, batch, outF);
            float[] a = _activated[l];
            for (int i = 0; i < batch * outF; i++)
                a[i] = Math.Max(a[i], 0f);
            if (l == layers - 2)
            {
                float scale = 1f / (1f - _dropProbability);
                for (int i = 0; i < batch * outF; i++)
                {
                    _mask[i] = _random.NextSingle() < _dropProbability ? 0f : scale;
                    a[i] *= _mask[i];
                }
            }

            x = a;
        }

        // Softmax cross-entropy: delta = (softmax - onehot) / batch.
        int classes = _sizes[layers];
        float[] logits = _dense[layers - 1], delta = _deltas[layers];
        double loss = 0;
        for (int b = 0; b < batch; b++)
        {
            float max = float.MinValue;
            for (int c = 0; c < classes; c++)
                max = Math.Max(max, logits[b * classes + c]);
            float sum = 0f;
            for (int c = 0; c < classes; c++)
                sum += MathF.Exp(logits[b * classes + c] - max);
            for (int c = 0; c < classes; c++)
            {
                float p = MathF.Exp(logits[b * classes + c] - max) / sum;
                delta[b * classes + c] = (p - (labels[b] == c ? 1f : 0f)) / batch;
            }

            loss -= Math.Log(MathF.Exp(logits[b * classes + labels[b]] - max) / sum);
        }

        for (int l = layers - 1; l >= 0; l--)
        {
            int inF = _sizes[l], outF = _sizes[l + 1];
            float[] dy = _deltas[l + 1];
            if (l < layers - 1)
            {
                // Through dropout, ReLU and batch norm back to the dense output.
                float[] a = _activated[l];
                for (int i = 0; i < batch * outF; i++)
                {
                    float g = l == layers - 2 ? dy[i] * _mask[i] : dy[i];
                    dy[i] = a[i] > 0f ? g : 0f;
                }

                BatchNormBackward(l, dy, batch, outF);
            }
            else
            {
                Array.Clear(_outputBiasGradient);
                for (int b = 0; b < batch; b++)
                    for (int o = 0; o < outF; o++)
                        _outputBiasGradient[o] += dy[b * outF + o];
            }

            float[] x0 = l == 0 ? inputs : _activated[l - 1];
            float[] dw = _weightGradients[l], w = _weights[l];
            Array.Clear(dw);
            for (int b = 0; b < batch; b++)
                for (int o = 0; o < outF; o++)
                {
                    float g = dy[b * outF + o];
                    for (int i = 0; i < inF; i++)
                        dw[o * inF + i] += g * x0[b * inF + i];
                }

            if (l > 0)
            {
                float[] dx = _deltas[l];
                for (int b = 0; b < batch; b++)
                {
                    for (int i = 0; i < inF; i++)
                        dx[b * inF + i] = 0f;
                    for (int o = 0; o < outF; o++)
                    {
                        float g = dy[b * outF + o];
                        for (int i = 0; i < inF; i++)
                            dx[b * inF + i] += g * w[o * inF + i];
                    }
                }
            }
        }

        for (int l = 0; l < layers; l++)
        {
            Update(_weights[l], _weightGradients[l], _velocities[l]);
            if (l < layers - 1)
            {
                Update(_gamma[l], _gammaGradient[l], _gammaVelocity[l]);
                Update(_beta[l], _betaGradient[l], _betaVelocity[l]);
            }
        }

        Update(_outputBias, _outputBiasGradient, _outputBiasVelocity);
        return (float)(loss / batch);
    }

    private void BatchNormForward(int l, int batch, int features)
    {
        float[] x = _dense[l], xhat = _normalized[l], y = _activated[l], rstd = _rstd[l];
        for (int f = 0; f < features; f++)
        {
            float mean = 0f;
            for (int b = 0; b < batch; b++)
                mean += x[b * features + f];
            mean /= batch;
            float variance = 0f;
            for (int b = 0; b < batch; b++)
            {
                float d = x[b * features + f] - mean;
                variance += d * d;
            }

            variance /= batch;
            rstd[f] = 1f / MathF.Sqrt(variance + Epsilon);
            for (int b = 0; b < batch; b++)
            {
                int i = b * features + f;
                xhat[i] = (x[i] - mean) * rstd[f];
                y[i] = _gamma[l][f] * xhat[i] + _beta[l][f];
            }
        }
    }

    private void BatchNormBackward(int l, float[] dy, int batch, int features)
    {
        float[] xhat = _normalized[l], rstd = _rstd[l];
        for (int f = 0; f < features; f++)
        {
            float dbeta = 0f, dgamma = 0f;
            for (int b = 0; b < batch; b++)
            {
                dbeta += dy[b * features + f];
                dgamma += dy[b * features + f] * xhat[b * features + f];
            }

            _betaGradient[l][f] = dbeta;
            _gammaGradient[l][f] = dgamma;
            float scale = _gamma[l][f] * rstd[f] / batch;
            for (int b = 0; b < batch; b++)
            {
                int i = b * features + f;
                dy[i] = scale * (batch * dy[i] - dbeta - xhat[i] * dgamma);
            }
        }
    }

    private void Update(float[] parameters, float[] gradients, float[] velocity)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            velocity[i] = _momentum * velocity[i] + gradients[i];
            parameters[i] -= _learningRate * velocity[i];
        }
    }
}
