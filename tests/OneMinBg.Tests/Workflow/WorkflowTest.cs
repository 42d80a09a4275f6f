using System.Collections.Concurrent;
using System.Collections.Generic;
using OneMinBg.Client.Workflow;

namespace OneMinBg.Tests;

/// <summary>Collects what a workflow says, as a cmdlet would show it.</summary>
internal sealed class SinkRecorder : IWorkflowSink
{
    private readonly ConcurrentQueue<string> _verbose = new();
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyList<string> VerboseLines => _verbose.ToArray();
    public IReadOnlyList<string> Warnings => _warnings.ToArray();

    public void Verbose(string message) => _verbose.Enqueue(message);

    public void Warning(string message) => _warnings.Enqueue(message);

    public bool Said(string fragment) => _verbose.Any(line => line.Contains(fragment, StringComparison.Ordinal));
}

/// <summary>A journal of its own and an image to send, for tests of the workflows against the emulator.</summary>
public abstract class WorkflowTest : TempDirTest
{
    private protected static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private protected WorkflowTest() => Journal = new Journal(Dir.File("journal.jsonl"));

    private protected Journal Journal { get; }

    private protected SinkRecorder Sink { get; } = new();

    /// <summary>A checked image in the scratch folder and a request for it at the emulator.</summary>
    private protected (SourceImage Image, ImageRequest Request) Image(EmulatorServer emulator,
        string name = "cat.png", string prompt = "a quiet beach at dawn")
    {
        SourceImage image = ImageInspector.Check(Images.Write(Dir, name, ImageFormat.Png, 60, 40));
        return (image, RequestFor(emulator, image, prompt));
    }

    private protected static ImageRequest RequestFor(EmulatorServer emulator, SourceImage image, string prompt) =>
        new(image.Sha256, image.Path, null, prompt, BackgroundReplacer.LandscapeSize, "medium", "auto",
            BackgroundReplacer.DefaultModel, emulator.ApiUri);

    private protected Task<ReplaceResult> ReplaceAsync(OneMinClient client, ImageRequest request,
        SourceImage? image, bool force = false, CancellationToken batchToken = default) =>
        new ReplaceWorkflow(Journal, client, StaleAfter)
            .RunAsync(request, image, force, Sink, batchToken, CancellationToken.None);
}
