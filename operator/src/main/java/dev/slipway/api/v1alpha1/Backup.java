package dev.slipway.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A logical dump of one environment's database (pg_dump custom format), taken by a Job in the
 * environment's namespace and stored in the platform's object storage. Not owned by the
 * Environment: deleting an environment keeps its backups; deleting a Backup deletes its dump.
 */
@Group(Project.GROUP)
@Version(Project.VERSION)
@Kind("Backup")
@Plural("backups")
@Singular("backup")
@ShortNames("bkp")
@Categories("slipway")
@AdditionalPrinterColumn(name = "ENVIRONMENT", jsonPath = ".spec.environment", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "SIZE", jsonPath = ".status.size", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec.environment is required")
@ValidationRule(value = "size(self.metadata.name) <= " + Backup.MAX_NAME,
    message = "metadata.name must be at most " + Backup.MAX_NAME + " characters: it is a label value on the Backup's Job and Secret")
public class Backup extends CustomResource<BackupSpec, BackupStatus> implements Namespaced {

  /** Longest name: the name is the value of a label (63 characters at most) on the dump Job and its Secret. */
  public static final int MAX_NAME = 63;
}
