using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Api;

/// <summary>The bodies of the API's requests: the image call's JSON and the upload's one multipart part.</summary>
internal static class RequestBodies
{
    private const int FileBufferSize = 81920;

    private static readonly JsonWriterOptions WriterOptions =
        new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The body of ONEMIN-API.md §2, exactly: type, model, promptObject {imageUrl, prompt, size, quality,
    /// background}; with <paramref name="async"/>, also "async": true (answered at once, PROCESSING, to be polled).
    /// </summary>
    internal static byte[] Feature(ImageRequest request, string imageUrl, bool async = false)
    {
        if (request == null)
        {
            throw new ArgumentNullException(nameof(request));
        }

        if (string.IsNullOrWhiteSpace(imageUrl))
        {
            throw new ArgumentException("The image (an asset key or URL) is required.", nameof(imageUrl));
        }

        Require(request.Prompt, "Prompt");
        if (request.Prompt.Length > BackgroundReplacer.MaxPromptLength)
        {
            throw new ArgumentException($"The prompt has {request.Prompt.Length} characters; the service accepts "
                + $"at most {BackgroundReplacer.MaxPromptLength}.", nameof(request));
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "BACKGROUND_REPLACER");
            writer.WriteString("model", request.Model);
            if (async)
            {
                writer.WriteBoolean("async", true);
            }

            writer.WriteStartObject("promptObject");
            writer.WriteString("imageUrl", imageUrl);
            writer.WriteString("prompt", request.Prompt);
            writer.WriteString("size", request.Size);
            writer.WriteString("quality", request.Quality);
            writer.WriteString("background", request.Background);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Require(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The request's {name} is required.", "request");
        }
    }

    internal static HttpContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>
    /// One part, "asset", streamed from the file and hashed as it goes (<paramref name="sent"/>). Names
    /// that are not plain ASCII also go as filename* (RFC 6266).
    /// </summary>
    internal static HttpContent Upload(string path, string fileName, ImageInfo image,
        out HashedFileContent? sent)
    {
        ImageInspector.RequireRegularFile(path); // opening a FIFO or a device could block this call for ever
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize,
            useAsync: true);
        long length = stream.Length;
        if (length != image.Length)
        {
            // Not the file that was checked (and hashed): sending it would file the wrong image under that hash.
            stream.Dispose();
            throw new SourceChangedException(path, $"'{path}' changed after it was checked ({image.Length} "
                + $"bytes then, {length} now); nothing was paid for it. Run the command again for it.");
        }

        var file = new HashedFileContent(stream, length);
        sent = file;
        file.Headers.ContentType = new MediaTypeHeaderValue(image.MimeType);
        string plain = AsciiFileName(fileName);
        var disposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"asset\"",
            FileName = "\"" + plain + "\"",
        };
        if (!string.Equals(plain, fileName, StringComparison.Ordinal))
        {
            disposition.FileNameStar = fileName;
        }

        file.Headers.ContentDisposition = disposition;
        var form = new MultipartFormDataContent();
        form.Add(file);
        return form;
    }

    internal static string AsciiFileName(string fileName)
    {
        var plain = new StringBuilder(fileName.Length);
        foreach (char c in fileName)
        {
            plain.Append(c < 0x20 || c > 0x7E || c == '"' || c == '\\' ? '_' : c);
        }

        return plain.ToString();
    }
}
