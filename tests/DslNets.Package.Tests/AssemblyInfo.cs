// The consumer check and the NativeAOT check both build the repository's projects in Release: run them one after
// the other so the two nested builds never write the same obj/ and bin/ folders at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
