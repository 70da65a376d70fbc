// OWL 2 DL profile check with the OWL API (OWL2DLProfile), run by coopgraph.ontology_qc.
//
// Usage: java DLProfileCheck ONTOLOGY-FILE [IMPORT-IRI=FILE ...]
// owl:imports resolve only through the IRI=FILE pairs (coopgraph reads them from the
// XML catalog); any other import is an error, so the check never touches the network.
// Output, one line each: "VIOLATION<TAB><kind><TAB><description>", then "IN_PROFILE<TAB>true|false".
// Exit status: 0 when the check ran (whatever its result), 2 when the input could not be loaded.

import java.io.File;
import java.util.HashMap;
import java.util.Map;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DLProfileCheck {
    public static void main(String[] args) {
        Map<IRI, IRI> catalog = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            catalog.put(IRI.create(args[i].substring(0, eq)),
                        IRI.create(new File(args[i].substring(eq + 1)).toURI()));
        }
        OWLOntologyIRIMapper offline = iri -> {
            IRI file = catalog.get(iri);
            if (file == null) {
                throw new IllegalArgumentException("owl:imports <" + iri + "> is not in the catalog");
            }
            return file;
        };
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.getIRIMappers().clear();
        manager.getIRIMappers().add(offline);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        } catch (OWLOntologyCreationException | RuntimeException e) {
            System.out.println("ERROR\t" + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.exit(2);
            return;
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("VIOLATION\t" + violation.getClass().getSimpleName() + "\t"
                               + violation.toString().replace('\n', ' '));
        }
        System.out.println("IN_PROFILE\t" + report.isInProfile());
    }
}
