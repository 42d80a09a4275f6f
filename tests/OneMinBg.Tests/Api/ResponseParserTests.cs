using System.Text.Json;

namespace OneMinBg.Tests;

public sealed class ResponseParserTests
{
    private static UploadedAsset Upload(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ResponseParser.ParseUpload(document.RootElement);
    }

    private static AiRecord? Record(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ResponseParser.ParseRecordEnvelope(document.RootElement);
    }

    [Fact]
    public void Upload_prefers_fileContent_path()
    {
        UploadedAsset asset = Upload("""
            {"asset":{"bucket":"asset.1min.ai","key":"images/other.png","size":1234,"mimetype":"image/png",
                      "location":"https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/other.png"},
             "fileContent":{"uuid":"u1","path":"images/2026_08_19_05_27_59_899_cat.png","name":"cat.png","type":"png","status":"ACTIVE"}}
            """);

        Assert.Equal("images/2026_08_19_05_27_59_899_cat.png", asset.Key);
        Assert.Equal("cat.png", asset.Name);
        Assert.Equal(1234, asset.Size);
        Assert.Equal("image/png", asset.MimeType);
    }

    [Fact]
    public void Upload_falls_back_to_asset_key()
    {
        UploadedAsset asset = Upload("""{"asset":{"key":"images/k.png","size":"99","location":"https://x.example/ignored.png"}}""");

        Assert.Equal("images/k.png", asset.Key);
        Assert.Equal(99, asset.Size);
    }

    [Theory]
    [InlineData("https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/2026_a%20b.png", "asset.1min.ai", "images/2026_a b.png")]
    [InlineData("https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/x.png", null, "images/x.png")]
    [InlineData("https://asset.1min.ai.s3.amazonaws.com/images/x.png", "asset.1min.ai", "images/x.png")]
    [InlineData("https://asset.1min.ai/images/x.png", null, "images/x.png")]
    [InlineData("http://127.0.0.1:5000/asset.1min.ai/images/y.png", null, "images/y.png")]
    [InlineData("https://s3.eu-west-1.amazonaws.com/other-bucket/images/z.png", "other-bucket", "images/z.png")]
    public void Upload_uses_the_location_path_only_without_path_and_key(string location, string? bucket, string expected)
    {
        string bucketJson = bucket == null ? "" : $",\"bucket\":\"{bucket}\"";
        UploadedAsset asset = Upload($$$"""{"asset":{"location":"{{{location}}}"{{{bucketJson}}}},"fileContent":{"path":""}}""");

        Assert.Equal(expected, asset.Key);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"asset":{"key":""},"fileContent":{}}""")]
    [InlineData("[]")]
    public void Upload_without_any_key_is_unreadable(string json)
    {
        Assert.Throws<ResponseFormatException>(() => Upload(json));
    }

    [Fact]
    public void Record_reads_every_documented_field()
    {
        AiRecord? record = Record("""
            {"aiRecord":{"uuid":"rec-1","userId":"u","teamId":"t","model":"gpt-image-1-mini","type":"BACKGROUND_REPLACER",
              "status":"SUCCESS","createdAt":"2026-01-15T14:00:30.001Z",
              "teamUser":{"creditLimit":"100000","usedCredit":2500.5},
              "aiRecordDetail":{"promptObject":{"imageUrl":"images/cat.png","prompt":"an office","size":"1024x1536","quality":"high","background":"opaque"},
                                "resultObject":["images/2026_01_15_14_00_30_001_background_replaced.png","images/second.png"]},
              "temporaryUrl":"https://s3.us-east-1.amazonaws.com/asset.1min.ai/images/r.png?X-Amz-Expires=604800&X-Amz-Signature=abc"}}
            """);

        Assert.NotNull(record);
        Assert.Equal("rec-1", record!.Id);
        Assert.True(record.IsSuccess);
        Assert.Equal("gpt-image-1-mini", record.Model);
        Assert.Equal("BACKGROUND_REPLACER", record.Type);
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 14, 0, 30, 1, TimeSpan.Zero), record.CreatedAt);
        Assert.Equal(100000m, record.CreditLimit);
        Assert.Equal(2500.5m, record.UsedCredit);
        Assert.Equal(("images/cat.png", "an office", "1024x1536", "high", "opaque"), (record.ImageUrl, record.Prompt, record.Size, record.Quality, record.Background));
        Assert.Equal(new[] { "images/2026_01_15_14_00_30_001_background_replaced.png", "images/second.png" }, record.ResultKeys);
        Assert.Equal("s3.us-east-1.amazonaws.com", new Uri(record.TemporaryUrl!).Host);
    }

    [Theory]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","temporaryUrl":"https://h.example/r.png"}}""", "https://h.example/r.png")]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS"},"temporaryUrl":"https://h.example/top.png"}""", "https://h.example/top.png")]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","temporaryUrl":""},"temporaryUrl":"https://h.example/top.png"}""", "https://h.example/top.png")]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","temporaryUrl":""}}""", null)]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","temporaryUrl":null}}""", null)]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS"}}""", null)]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","temporaryUrl":"images/relative.png"}}""", null)]
    public void Record_finds_temporaryUrl_wherever_it_is(string json, string? expected)
    {
        Assert.Equal(expected, Record(json)!.TemporaryUrl);
    }

    [Theory]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","aiRecordDetail":{"resultObject":"images/one.png"}}}""", new[] { "images/one.png" })]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","aiRecordDetail":{"resultObject":null}}}""", new string[0])]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","aiRecordDetail":{"resultObject":["images/a.png",7,"",null]}}}""", new[] { "images/a.png" })]
    [InlineData("""{"aiRecord":{"uuid":"a","status":"SUCCESS","aiRecordDetail":{}}}""", new string[0])]
    public void Record_tolerates_resultObject_variants(string json, string[] expected)
    {
        Assert.Equal(expected, Record(json)!.ResultKeys);
    }

    [Theory]
    [InlineData("FAILURE")]
    [InlineData("FAILED")]
    [InlineData("PROCESSING")]
    public void Record_with_another_status_is_not_success(string status)
    {
        AiRecord record = Record($$$"""{"aiRecord":{"uuid":"a","status":"{{{status}}}"}}""")!;

        Assert.Equal(status, record.Status);
        Assert.False(record.IsSuccess);
    }

    [Fact]
    public void Record_reads_a_promptObject_stored_as_a_JSON_string_and_numeric_credit_strings()
    {
        AiRecord record = Record("""
            {"aiRecord":{"uuid":"a","status":"SUCCESS","teamUser":{"creditLimit":" 50 ","usedCredit":"n/a"},
              "aiRecordDetail":{"promptObject":"{\"imageUrl\":\"images/x.png\",\"size\":\"1536x1024\"}"}}}
            """)!;

        Assert.Equal("images/x.png", record.ImageUrl);
        Assert.Equal("1536x1024", record.Size);
        Assert.Equal(50m, record.CreditLimit);
        Assert.Null(record.UsedCredit);
    }

    [Fact]
    public void A_null_aiRecord_is_no_record()
    {
        Assert.Null(Record("""{"aiRecord":null}"""));
    }

    [Fact]
    public void A_bare_record_is_accepted()
    {
        Assert.Equal("bare", Record("""{"uuid":"bare","status":"SUCCESS"}""")!.Id);
    }

    [Theory]
    [InlineData("""{"something":"else"}""")]
    [InlineData("""{"aiRecord":"oops"}""")]
    [InlineData("""{"aiRecord":{}}""")]
    [InlineData("[1,2]")]
    public void A_body_without_a_record_is_unreadable(string json)
    {
        Assert.Throws<ResponseFormatException>(() => Record(json));
    }

    [Fact]
    public void Error_body_with_code_message_and_details()
    {
        ErrorBody body = ErrorBody.Parse("""{"errorCode":"EXTERNAL_API_RESPONSE_WITH_ERROR","message":"Provider refused","details":{"message":"safety system"}}"""u8.ToArray(), "");

        Assert.Equal("EXTERNAL_API_RESPONSE_WITH_ERROR", body.ErrorCode);
        Assert.Equal("Provider refused", body.Message);
        Assert.Equal("safety system", body.Details);
        Assert.False(body.IsInsufficientCredits);
    }

    [Fact]
    public void Error_body_with_a_list_of_messages()
    {
        ErrorBody body = ErrorBody.Parse("""{"statusCode":400,"message":["prompt must be shorter","size must be valid"],"error":"Bad Request"}"""u8.ToArray(), "");

        Assert.Null(body.ErrorCode);
        Assert.Equal("prompt must be shorter; size must be valid", body.Message);
    }

    [Theory]
    [InlineData("upstream connect error or disconnect/reset before headers", "upstream connect error or disconnect/reset before headers")]
    [InlineData("<html><body>Bad gateway</body></html>", null)]
    [InlineData("", null)]
    public void Error_body_that_is_not_JSON(string text, string? excerpt)
    {
        ErrorBody body = ErrorBody.Parse(System.Text.Encoding.UTF8.GetBytes(text), "");

        Assert.Null(body.Message);
        Assert.Equal(excerpt, body.Excerpt);
    }

    [Theory]
    [InlineData("""{"errorCode":"INSUFFICIENT_CREDITS","message":"Not enough"}""", null, null)]
    [InlineData("""{"message":"The feature requires 1,200 credits, but the Team only has 35 credits"}""", "1200", "35")]
    [InlineData("""{"errorCode":"UNKNOWN_ERROR","message":"The feature requires 9.5 credits, but the team only has 0 credits."}""", "9.5", "0")]
    public void Insufficient_credits_by_code_or_message(string json, string? required, string? available)
    {
        ErrorBody body = ErrorBody.Parse(System.Text.Encoding.UTF8.GetBytes(json), "");

        Assert.True(body.IsInsufficientCredits);
        Assert.Equal(required == null ? null : decimal.Parse(required, System.Globalization.CultureInfo.InvariantCulture), body.CreditsRequired);
        Assert.Equal(available == null ? null : decimal.Parse(available, System.Globalization.CultureInfo.InvariantCulture), body.CreditsAvailable);
    }

    [Theory]
    [InlineData("2", 2.0)]
    [InlineData(" 1.5 ", 1.5)]
    [InlineData("0", 0.0)]
    [InlineData("Wed, 21 Oct 2015 07:28:10 GMT", 10.0)]
    [InlineData("Wed, 21 Oct 2015 07:27:00 GMT", 0.0)]
    public void Retry_After_in_seconds_or_as_a_date(string value, double seconds)
    {
        var now = new DateTimeOffset(2015, 10, 21, 7, 28, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryPolicy.ParseRetryAfter(value, now));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-3")]
    public void Unreadable_Retry_After_is_ignored(string value)
    {
        Assert.Null(RetryPolicy.ParseRetryAfter(value, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Feature_body_is_exactly_the_documented_one()
    {
        FeatureCall call = Emu.Request("images/cat.png", "modern office with glass windows, city skyline");

        string json = System.Text.Encoding.UTF8.GetString(RequestBodies.Feature(call.Request, call.ImageUrl));

        Assert.Equal(
            """{"type":"BACKGROUND_REPLACER","model":"gpt-image-1-mini","promptObject":{"imageUrl":"images/cat.png","prompt":"modern office with glass windows, city skyline","size":"1024x1024","quality":"medium","background":"auto"}}""",
            json);
    }

    [Fact]
    public void Feature_body_keeps_non_ASCII_prompts_readable_and_valid()
    {
        FeatureCall call = Emu.Request("images/c.png", "café \"à la\" <plage>", quality: "low",
            background: "transparent", model: "m");

        byte[] body = RequestBodies.Feature(call.Request, call.ImageUrl);

        using var document = JsonDocument.Parse(body);
        Assert.Equal("café \"à la\" <plage>", document.RootElement.GetProperty("promptObject").GetProperty("prompt").GetString());
        Assert.Contains("café", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public void Feature_body_refuses_an_overlong_prompt()
    {
        FeatureCall call = Emu.Request("images/c.png", new string('x', BackgroundReplacer.MaxPromptLength + 1));

        Assert.Throws<ArgumentException>(() => RequestBodies.Feature(call.Request, call.ImageUrl));
    }

    [Theory]
    [InlineData("cat.png", "cat.png")]
    [InlineData("chat noir é.png", "chat noir _.png")]
    [InlineData("say \"hi\".jpg", "say _hi_.jpg")]
    public void Upload_names_fall_back_to_ASCII(string name, string expected)
    {
        Assert.Equal(expected, RequestBodies.AsciiFileName(name));
    }

    [Fact]
    public void Excerpts_are_single_line_and_short()
    {
        string excerpt = Text.Excerpt("a\r\n  b\t" + new string('c', 500), "", 50);

        Assert.StartsWith("a b ccc", excerpt, StringComparison.Ordinal);
        Assert.Equal(53, excerpt.Length);
        Assert.DoesNotContain('\n', excerpt);
    }
}
