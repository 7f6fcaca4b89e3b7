package io.lmforge.corpus;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

import static io.lmforge.corpus.Columns.*;

/** The Spark schemas of the rows that flow through the pipeline and of its three outputs. */
public final class Schemas {

    /** Why a row left the corpus. {@code detail} is free text; {@code reason} is a stable code. */
    public static final StructType REJECTION_TYPE = new StructType(new StructField[]{
            DataTypes.createStructField(STAGE, DataTypes.StringType, false),
            DataTypes.createStructField(REASON, DataTypes.StringType, false),
            DataTypes.createStructField(DETAIL, DataTypes.StringType, true),
            DataTypes.createStructField(DUPLICATE_OF, DataTypes.StringType, true),
            DataTypes.createStructField(DISTANCE, DataTypes.IntegerType, true),
    });

    public static final StructType QUARANTINE_TYPE = new StructType(new StructField[]{
            DataTypes.createStructField(FILE, DataTypes.StringType, false),
            DataTypes.createStructField(OFFSET, DataTypes.LongType, false),
            DataTypes.createStructField(ERROR, DataTypes.StringType, false),
            DataTypes.createStructField(SNIPPET, DataTypes.StringType, true),
    });

    /** What readers emit: one row per input record, in exactly one of three states. */
    public static final StructType INGEST = new StructType(new StructField[]{
            DataTypes.createStructField(UID, DataTypes.LongType, false),
            DataTypes.createStructField(ID, DataTypes.StringType, false),
            DataTypes.createStructField(SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(DOMAIN, DataTypes.StringType, true),
            DataTypes.createStructField(URL, DataTypes.StringType, true),
            DataTypes.createStructField(TITLE, DataTypes.StringType, true),
            DataTypes.createStructField(LANG, DataTypes.StringType, true),
            DataTypes.createStructField(CODE_LANG, DataTypes.StringType, true),
            DataTypes.createStructField(TEXT, DataTypes.StringType, true),
            DataTypes.createStructField(FILE, DataTypes.StringType, false),
            DataTypes.createStructField(OFFSET, DataTypes.LongType, false),
            DataTypes.createStructField(METADATA,
                    DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true), true),
            DataTypes.createStructField(REJECTION, REJECTION_TYPE, true),
            DataTypes.createStructField(QUARANTINE, QUARANTINE_TYPE, true),
    });

    /** {@code rejected/}: one row per removed record. */
    public static final StructType REJECTED = new StructType(new StructField[]{
            DataTypes.createStructField(ID, DataTypes.StringType, false),
            DataTypes.createStructField(SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(DOMAIN, DataTypes.StringType, true),
            DataTypes.createStructField(STAGE, DataTypes.StringType, false),
            DataTypes.createStructField(REASON, DataTypes.StringType, false),
            DataTypes.createStructField(DETAIL, DataTypes.StringType, true),
            DataTypes.createStructField(DUPLICATE_OF, DataTypes.StringType, true),
            DataTypes.createStructField(DISTANCE, DataTypes.IntegerType, true),
            DataTypes.createStructField(URL, DataTypes.StringType, true),
            DataTypes.createStructField(FILE, DataTypes.StringType, false),
            DataTypes.createStructField(OFFSET, DataTypes.LongType, false),
    });

    /** {@code quarantine/}: one row per unreadable input record. */
    public static final StructType QUARANTINED = new StructType(new StructField[]{
            DataTypes.createStructField(SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(FILE, DataTypes.StringType, false),
            DataTypes.createStructField(OFFSET, DataTypes.LongType, false),
            DataTypes.createStructField(ERROR, DataTypes.StringType, false),
            DataTypes.createStructField(SNIPPET, DataTypes.StringType, true),
    });

    /** The columns every document stage gets from ingest: {@link #INGEST} less the quarantine column. */
    public static Set<String> documentColumns() {
        Set<String> out = new LinkedHashSet<>(Arrays.asList(INGEST.fieldNames()));
        out.remove(QUARANTINE);
        return Collections.unmodifiableSet(out);
    }

    private Schemas() {
    }
}
