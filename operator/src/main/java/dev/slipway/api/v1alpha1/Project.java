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

/** A Django web project: its source, database and the environments it runs in. */
@Group(Project.GROUP)
@Version(Project.VERSION)
@Kind("Project")
@Plural("projects")
@Singular("project")
@ShortNames("proj")
@Categories("slipway")
@AdditionalPrinterColumn(name = "ENVIRONMENTS", jsonPath = ".status.environmentNames", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = "self.metadata.name.matches('" + Names.DNS_1035_LABEL + "')",
    message = "metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter): it names Services")
@ValidationRule(
    value = "!has(self.spec) || !has(self.spec.environments) || size(self.spec.environments) == 0"
        + " ? size(self.metadata.name) <= " + Names.MAX_PROJECT_NAME_WITH_DEFAULTS
        + " : self.spec.environments.all(e, size(self.metadata.name) + 1 + size(e.name) <= "
        + Names.MAX_ENVIRONMENT_OBJECT_NAME + ")",
    message = "metadata.name and spec.environments[].name: '<project>-<environment>' must be at most "
        + Names.MAX_ENVIRONMENT_OBJECT_NAME + " characters (it names the environment's Deployment, Service,"
        + " Jobs and database); shorten the project or environment name")
public class Project extends CustomResource<ProjectSpec, ProjectStatus> implements Namespaced {

  public static final String GROUP = "slipway.dev";
  public static final String VERSION = "v1alpha1";
}
