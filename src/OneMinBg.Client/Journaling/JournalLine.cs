using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using OneMinBg.Client.Api;

namespace OneMinBg.Client.Journaling;

/// <summary>
/// One line of the journal, and its writer: a compact JSON object of version 1 ("v"), a "kind" and a time
/// ("at"), UTF-8, ended by '\n'. docs/journal-format.md lists what each kind holds, how lines fold into a
/// request's state (<see cref="JournalIndex"/>) and the compatibility rules; <see cref="JournalLineReader"/>
/// reads it. The writer puts "v", "kind", "at", "fp" and "id" first: loading reads no further.
/// </summary>
internal sealed class JournalLine
{
    public const int CurrentVersion = 1;

    public const string Claim = "claim";
    public const string Result = "result";
    public const string Failure = "failure";
    public const string Release = "release";
    public const string Upload = "upload";
    public const string Saved = "saved";
    public const string Sent = "sent";
    /// <summary>The service accepted the paid call and works on it (async): its record's uuid, to be polled.</summary>
    public const string Accepted = "accepted";

    private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
    {
        // Prompts stay readable (no \u escapes for non-ASCII); control characters, '\n' included, are escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    public int Version { get; set; }
    public string? Kind { get; set; }
    public DateTimeOffset? At { get; set; }
    public string? Fingerprint { get; set; }

    public string? Content { get; set; }
    public string? SourcePath { get; set; }
    public string? ImageUrl { get; set; }
    public string? Prompt { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
    public string? Model { get; set; }
    public string? Base { get; set; }

    public string? Host { get; set; }
    public int? ProcessId { get; set; }
    public DateTimeOffset? ProcessStartedAt { get; set; }
    public string? RunId { get; set; }
    /// <summary>On a claim: this run writes a "sent" line before the paid call ("sentmark").</summary>
    public bool SentMark { get; set; }

    public string? RecordId { get; set; }
    public string? Status { get; set; }
    public IReadOnlyList<string>? ResultKeys { get; set; }
    public string? TemporaryUrl { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public decimal? UsedCredit { get; set; }
    public decimal? CreditLimit { get; set; }
    /// <summary>On a result: what this call cost, as the client measured it ("cost"; see CreditMeter).</summary>
    public decimal? Credits { get; set; }
    public string? AssetKey { get; set; }
    public bool Refresh { get; set; }

    public string? FailureKind { get; set; }
    public string? Message { get; set; }
    public bool? Charged { get; set; }

    public string? SavedPath { get; set; }
    public long? SavedLength { get; set; }
    public string? SavedSha256 { get; set; }

    /// <summary>A line of <paramref name="kind"/>, written now.</summary>
    public static JournalLine Now(string kind) =>
        new JournalLine { Version = CurrentVersion, Kind = kind, At = DateTimeOffset.UtcNow };

    /// <summary>A line of <paramref name="kind"/> about <paramref name="request"/>, carrying all of it.</summary>
    public static JournalLine About(string kind, ImageRequest request, DateTimeOffset? at = null)
    {
        JournalLine line = Now(kind);
        line.At = at ?? line.At;
        line.Fingerprint = request.Fingerprint;
        line.Content = request.ContentSha256;
        line.SourcePath = request.SourcePath;
        line.ImageUrl = request.ImageUrl;
        line.Prompt = request.Prompt;
        line.Size = request.Size;
        line.Quality = request.Quality;
        line.Background = request.Background;
        line.Model = request.Model;
        line.Base = request.BaseUri.AbsoluteUri;
        return line;
    }

    /// <summary>The request this line carries (at <paramref name="baseUri"/>, its "base"); null when a part is
    /// missing.</summary>
    public ImageRequest? ToRequest(Uri baseUri)
    {
        if (string.IsNullOrEmpty(Content) || Prompt == null || string.IsNullOrEmpty(Size)
            || string.IsNullOrEmpty(Quality) || string.IsNullOrEmpty(Background) || string.IsNullOrEmpty(Model))
        {
            return null;
        }

        return new ImageRequest(
            Content!, SourcePath, ImageUrl, Prompt, Size!, Quality!, Background!, Model!, baseUri);
    }

    /// <summary>Whether this line carries exactly <paramref name="request"/> (at <paramref name="baseUri"/>).</summary>
    public bool Carries(ImageRequest request, Uri baseUri) =>
        ReferenceEquals(request.BaseUri, baseUri)
        && request.ContentSha256 == Content && request.SourcePath == SourcePath && request.ImageUrl == ImageUrl
        && request.Prompt == Prompt && request.Size == Size && request.Quality == Quality
        && request.Background == Background && request.Model == Model;

    /// <summary>The claim's owner, or null when a part is missing.</summary>
    public JournalOwner? ToOwner()
    {
        if (string.IsNullOrEmpty(Host) || ProcessId == null || ProcessStartedAt == null
            || string.IsNullOrEmpty(RunId))
        {
            return null;
        }

        return new JournalOwner(Host!, ProcessId.Value, ProcessStartedAt.Value, RunId!);
    }

    /// <summary>The line as UTF-8, ended by '\n'.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", Version);
            String(writer, "kind", Kind);
            Time(writer, "at", At);
            String(writer, "fp", Fingerprint);
            String(writer, "id", RecordId); // early, with "fp": loading files a line by these (JournalScan)
            String(writer, "content", Content);
            String(writer, "src", SourcePath);
            String(writer, "img", ImageUrl);
            String(writer, "prompt", Prompt);
            String(writer, "size", Size);
            String(writer, "quality", Quality);
            String(writer, "bg", Background);
            String(writer, "model", Model);
            String(writer, "base", Base);
            String(writer, "host", Host);
            if (ProcessId.HasValue)
            {
                writer.WriteNumber("pid", ProcessId.Value);
            }

            Time(writer, "start", ProcessStartedAt);
            String(writer, "run", RunId);
            if (SentMark)
            {
                writer.WriteBoolean("sentmark", true);
            }

            String(writer, "status", Status);
            if (ResultKeys != null)
            {
                writer.WriteStartArray("keys");
                foreach (string key in ResultKeys)
                {
                    writer.WriteStringValue(key);
                }

                writer.WriteEndArray();
            }

            String(writer, "url", TemporaryUrl);
            Time(writer, "created", CreatedAt);
            Number(writer, "used", UsedCredit);
            Number(writer, "limit", CreditLimit);
            Number(writer, "cost", Credits);
            String(writer, "asset", AssetKey);
            if (Refresh)
            {
                writer.WriteBoolean("refresh", true);
            }

            String(writer, "fail", FailureKind);
            String(writer, "msg", Message);
            if (Charged.HasValue)
            {
                writer.WriteBoolean("charged", Charged.Value);
            }

            String(writer, "path", SavedPath);
            if (SavedLength.HasValue)
            {
                writer.WriteNumber("len", SavedLength.Value);
            }

            String(writer, "sha", SavedSha256);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void String(Utf8JsonWriter writer, string name, string? value)
    {
        if (value != null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Time(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value.HasValue)
        {
            writer.WriteString(name, value.Value.ToUniversalTime());
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value.HasValue)
        {
            writer.WriteNumber(name, value.Value);
        }
    }
}
