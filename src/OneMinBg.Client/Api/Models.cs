using System;
using System.Collections.Generic;
using OneMinBg.Client.Images;

namespace OneMinBg.Client.Api;

/// <summary>An image uploaded with POST /api/assets.</summary>
public sealed class UploadedAsset
{
    public UploadedAsset(string key, string? name, long? size, string? mimeType)
    {
        Key = key;
        Name = name;
        Size = size;
        MimeType = mimeType;
    }

    /// <summary>The storage key to pass on as promptObject.imageUrl (fileContent.path, else asset.key).</summary>
    public string Key { get; }
    public string? Name { get; }
    public long? Size { get; }
    public string? MimeType { get; }
}

/// <summary>What to send to POST /api/features for one background replacement.</summary>
public sealed class BackgroundRequest
{
    public const string DefaultModel = "gpt-image-1-mini";
    public const int MaxPromptLength = 4000;

    public BackgroundRequest(string imageUrl, string prompt, string size, string quality, string background, string model)
    {
        ImageUrl = imageUrl;
        Prompt = prompt;
        Size = size;
        Quality = quality;
        Background = background;
        Model = model;
    }

    public string ImageUrl { get; }

    /// <summary>The same request for another image, e.g. once its upload has given it a key.</summary>
    public BackgroundRequest WithImageUrl(string imageUrl) =>
        new BackgroundRequest(imageUrl, Prompt, Size, Quality, Background, Model);

    public string Prompt { get; }
    /// <summary>1024x1024, 1024x1536 or 1536x1024.</summary>
    public string Size { get; }
    /// <summary>low, medium or high.</summary>
    public string Quality { get; }
    /// <summary>auto, opaque or transparent.</summary>
    public string Background { get; }
    public string Model { get; }
}

/// <summary>
/// One aiRecord as the service reports it, parsed defensively: every field the
/// service may omit is nullable, and the variants of ONEMIN-API.md are folded here.
/// </summary>
public sealed class AiRecord
{
    public AiRecord(string id, string status)
    {
        Id = id;
        Status = status;
    }

    public string Id { get; }
    /// <summary>As sent by the service: SUCCESS, PROCESSING, FAILURE, FAILED, ...</summary>
    public string Status { get; }
    public bool IsSuccess => string.Equals(Status, "SUCCESS", StringComparison.OrdinalIgnoreCase);
    public string? Model { get; set; }
    public string? Type { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    /// <summary>aiRecordDetail.resultObject: relative storage keys of the results.</summary>
    public IReadOnlyList<string> ResultKeys { get; set; } = Array.Empty<string>();
    /// <summary>Presigned download URL of the first result (inside aiRecord or at the top level); null when absent or empty.</summary>
    public Uri? TemporaryUrl { get; set; }
    public decimal? CreditLimit { get; set; }
    public decimal? UsedCredit { get; set; }
    /// <summary>The echo of aiRecordDetail.promptObject, where present.</summary>
    public string? ImageUrl { get; set; }
    public string? Prompt { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? Background { get; set; }
}

/// <summary>A result saved by <see cref="OneMinClient.DownloadAsync"/>: a complete image at its final path.</summary>
public sealed class DownloadedFile
{
    public DownloadedFile(string path, long length, ImageInfo image)
    {
        Path = path;
        Length = length;
        Image = image;
    }

    /// <summary>The full path of the saved file.</summary>
    public string Path { get; }
    public long Length { get; }
    public ImageInfo Image { get; }
}
