using DslNets.Training;
namespace DslNets.Runtime.Tests;

public class LearningRateScheduleTests
{
    private static float[] Rates(LearningRateSchedule schedule, float baseRate, int steps) =>
        Enumerable.Range(0, steps).Select(t => schedule.LearningRateAt(baseRate, t)).ToArray();

    private static void AssertRates(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
            Assert.True(Math.Abs(expected[t] - actual[t]) <= 1e-7, $"t = {t}: expected {expected[t]}, got {actual[t]}");
    }

    [Fact]
    public void Step_DecaysByGammaEveryStepSize()
    {
        // StepLR(step_size=2, gamma=0.5): 1 * 0.5^floor(t/2)
        AssertRates([1, 1, 0.5, 0.5, 0.25, 0.25], Rates(LearningRateSchedule.Step(2, 0.5f), 1f, 6));
    }

    [Fact]
    public void Cosine_FollowsHalfCosineToMinimumAndStaysThere()
    {
        // 0.1 + (1 - 0.1) * (1 + cos(pi t / 4)) / 2: t=1 -> 0.1 + 0.9 * 0.853553 = 0.868198; t=2 -> 0.55; t=3 -> 0.231802
        AssertRates([1, 0.8681981, 0.55, 0.2318019, 0.1, 0.1], Rates(LearningRateSchedule.Cosine(4, 0.1f), 1f, 6));
    }

    [Fact]
    public void LinearWarmup_RisesLinearlyFromStartFactorToBase()
    {
        // base 0.1, factor 0.25 + 0.75 * min(t, 4) / 4: 0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1
        AssertRates([0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1], Rates(LearningRateSchedule.LinearWarmup(4, 0.25f), 0.1f, 6));
    }

    [Fact]
    public void Then_SwitchesAtMilestoneAndRestartsTheNextSchedule()
    {
        // Warm-up over 2 steps from 0 (0, 0.5), then cosine over 2 steps restarted at t = 2: 1, 0.5, 0, 0.
        LearningRateSchedule schedule = LearningRateSchedule.LinearWarmup(2, 0f).Then(LearningRateSchedule.Cosine(2), milestone: 2);
        AssertRates([0, 0.5, 1, 0.5, 0, 0], Rates(schedule, 1f, 6));
    }

    [Fact]
    public void Chain_MultipliesTheFactorsOfBothSchedules()
    {
        // StepLR(1, 0.5) * LinearLR(0.5 -> 1 over 2): t=0 1 * 0.5, t=1 0.5 * 0.75, t=2 0.25 * 1, t=3 0.125 * 1
        LearningRateSchedule schedule = LearningRateSchedule.Step(1, 0.5f).Chain(LearningRateSchedule.Linear(0.5f, 1f, 2));
        AssertRates([0.5, 0.375, 0.25, 0.125], Rates(schedule, 1f, 4));
    }

    [Fact]
    public void Apply_SetsTheOptimizersLearningRate()
    {
        var adam = new Adam(0.1f);
        LearningRateSchedule.Step(1, 0.5f).Apply(adam, 0.1f, 2);
        Assert.Equal(0.025f, adam.LearningRate);
    }

    [Fact]
    public void Step_WithNonPositiveStepSize_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Step(0));
        Assert.Equal("stepSize", error.ParamName);
    }

    [Fact]
    public void LearningRateAt_NegativeStep_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(3).LearningRateAt(1f, -1));
    }
}
