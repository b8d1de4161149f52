namespace DslNets.Distributed;

/// <summary>
/// A generated network with at least one synchronized batch norm (<c>[BatchNorm(Sync = true)]</c>). Its training
/// step reduces batch statistics over <see cref="Collectives"/>: one all-reduce per synchronized batch norm in the
/// forward pass and one in the backward pass, in layer order, identical on every rank.
/// </summary>
/// <remarks>
/// <see cref="DataParallel{TTarget}"/> (and so the trainer's distributed mode) sets <see cref="Collectives"/> and calls
/// <see cref="ComputeGradientsWithoutSamples"/> for a rank whose share of a batch is empty; a hand-written
/// data-parallel loop does the same through this interface.
/// </remarks>
public interface ISyncBatchNormNetwork : INetwork
{
    /// <summary>
    /// The ranks whose batches the synchronized batch norms normalize together; null (the default): plain batch norm
    /// over this process's batch. Every rank of the group must train every step while it is set.
    /// </summary>
    ICollectives? Collectives { get; set; }

    /// <summary>
    /// Takes part in one training step without samples: every synchronized batch norm's forward all-reduce (zeros in,
    /// running statistics moved with the global batch's) and then its backward all-reduce, in the order a step with
    /// samples makes them. Parameters and gradients are not touched. Collective.
    /// </summary>
    /// <exception cref="System.InvalidOperationException"><see cref="Collectives"/> is null.</exception>
    void ComputeGradientsWithoutSamples();
}
