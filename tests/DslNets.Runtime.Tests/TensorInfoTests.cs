namespace DslNets.Runtime.Tests;

public class TensorInfoTests
{
    [Fact]
    public void TensorInfo_CarriesAnNDimensionalShape_InPyTorchOrder()
    {
        var weight = new TensorInfo("conv.weight", TensorRole.Weight, 16, 8, 1, 3, 3);

        Assert.Equal([8, 1, 3, 3], weight.Shape);
        Assert.Equal(4, weight.Rank);
        Assert.Equal(72, weight.Length);
        Assert.Equal(8, weight.Rows);
        InvalidOperationException columns = Assert.Throws<InvalidOperationException>(() => weight.Columns);
        Assert.Contains("conv.weight", columns.Message);
    }

    [Fact]
    public void RowsAndColumns_StillDescribeVectorsAndMatrices()
    {
        var bias = new TensorInfo("hidden.bias", TensorRole.Bias, 0, 10, 0);
        var weight = new TensorInfo("hidden.weight", TensorRole.Weight, 10, 10, 4);

        Assert.Equal([10], bias.Shape);
        Assert.Equal((10, 0, 10), (bias.Rows, bias.Columns, bias.Length));
        Assert.Equal([10, 4], weight.Shape);
        Assert.Equal((10, 4, 40), (weight.Rows, weight.Columns, weight.Length));
        Assert.Equal(new TensorInfo("hidden.bias", TensorRole.Bias, 0, 10), bias);
    }

    [Fact]
    public void TensorInfos_AreEqual_ByNameRoleOffsetAndShape()
    {
        var a = new TensorInfo("x", TensorRole.Weight, 0, 2, 3, 4);
        Assert.Equal(a, new TensorInfo("x", TensorRole.Weight, 0, 2, 3, 4));
        Assert.Equal(a.GetHashCode(), new TensorInfo("x", TensorRole.Weight, 0, 2, 3, 4).GetHashCode());
        Assert.NotEqual(a, new TensorInfo("x", TensorRole.Weight, 0, 2, 4, 3));
        Assert.Contains("Shape = [2, 3, 4]", a.ToString());
    }

    [Fact]
    public void Shape_MutatingTheReturnedArray_LeavesTheTensorAlone()
    {
        var a = new TensorInfo("x", TensorRole.Weight, 0, 2, 3);
        a.Shape[0] = 99;
        Assert.Equal([2, 3], a.Shape);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 4, 0, 2 })]
    [InlineData(new[] { -1 })]
    public void ShapeWithoutDimensionsOrWithANonPositiveOne_IsRejected_NamingTheTensor(int[] shape)
    {
        ArgumentException exception = Assert.ThrowsAny<ArgumentException>(() => new TensorInfo("bad.weight", TensorRole.Weight, 0, shape));
        Assert.Equal("shape", exception.ParamName);
        Assert.Contains("bad.weight", exception.Message);
    }
}
