package io.netkit.cni.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.netkit.cni.CniException;
import java.io.IOException;
import java.io.StringReader;

/** Strict JSON in and compact JSON out (Gson's tree model). Not for use outside netkit. */
public final class Json {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final TypeAdapter<JsonElement> TREE = GSON.getAdapter(JsonElement.class);

    private Json() {
    }

    /**
     * Parses {@code text} as one strict JSON object ({@code what} names it in the error).
     *
     * @throws CniException code 6 quoting the parser's position and complaint
     */
    public static JsonObject parseObject(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new CniException(CniException.DECODING_FAILURE, "failed to decode " + what,
                    what + " is empty; the runtime must pass the network configuration as JSON on stdin");
        }
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            JsonElement e = TREE.read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new IOException("trailing data after the JSON value at " + r.getPath());
            }
            if (e == null || !e.isJsonObject()) {
                throw new IOException("expected a JSON object, got " + (e == null ? "nothing" : e));
            }
            return e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new CniException(CniException.DECODING_FAILURE, "failed to decode " + what,
                    "malformed JSON: " + e.getMessage() + "; fix the network configuration file (see the plugin's README)", e);
        }
    }

    /** Compact JSON text of {@code e}. */
    public static String write(JsonElement e) {
        return GSON.toJson(e);
    }
}
