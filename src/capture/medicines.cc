// The medicines a medication list is checked against: generic names of the medicines most
// often prescribed in the US outpatient setting, and the brand names they are commonly written
// under. A name not here is not wrong, only unchecked: it goes to a person for review.
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "capture/checks.h"

namespace salus::capture {
namespace {

// Lower case, sorted for binary search (checked by the unit test); generic names and, mixed in,
// the brand names patients' lists are often written with.
constexpr std::array<std::string_view, 266> kMedicines = {
    "acetaminophen", "acyclovir", "adalimumab", "advair", "albuterol", "alendronate", "allopurinol",
    "alprazolam", "amiodarone", "amitriptyline", "amlodipine", "amoxicillin", "amphetamine",
    "anastrozole", "apixaban", "aripiprazole", "aspirin", "atenolol", "atomoxetine", "atorvastatin",
    "azathioprine", "azithromycin", "baclofen", "beclomethasone", "benazepril", "benzonatate",
    "bisoprolol", "budesonide", "bumetanide", "buprenorphine", "bupropion", "buspirone",
    "butalbital", "calcitriol", "canagliflozin", "candesartan", "carbamazepine", "carbidopa",
    "carvedilol", "cefdinir", "cefuroxime", "celecoxib", "cephalexin", "cetirizine",
    "chlorthalidone", "ciprofloxacin", "citalopram", "clindamycin", "clonazepam", "clonidine",
    "clopidogrel", "clotrimazole", "colchicine", "cyclobenzaprine", "dapagliflozin",
    "desvenlafaxine", "dexamethasone", "dexmethylphenidate", "diazepam", "diclofenac",
    "dicyclomine", "digoxin", "diltiazem", "diphenhydramine", "divalproex", "docusate", "donepezil",
    "doxazosin", "doxycycline", "dulaglutide", "duloxetine", "eliquis", "empagliflozin",
    "enalapril", "enoxaparin", "entresto", "epinephrine", "escitalopram", "esomeprazole",
    "estradiol", "eszopiclone", "ezetimibe", "famotidine", "fenofibrate", "fexofenadine",
    "finasteride", "flonase", "fluconazole", "fluoxetine", "fluticasone", "folic acid",
    "formoterol", "furosemide", "gabapentin", "gemfibrozil", "glimepiride", "glipizide",
    "glyburide", "guanfacine", "haloperidol", "humalog", "hydralazine", "hydrochlorothiazide",
    "hydrocodone", "hydrocortisone", "hydroxychloroquine", "hydroxyzine", "ibuprofen", "insulin",
    "insulin aspart", "insulin degludec", "insulin detemir", "insulin glargine", "insulin lispro",
    "ipratropium", "irbesartan", "isosorbide mononitrate", "ivermectin", "januvia", "jardiance",
    "ketoconazole", "ketorolac", "labetalol", "lamotrigine", "lansoprazole", "lantus", "lasix",
    "latanoprost", "letrozole", "levemir", "levetiracetam", "levocetirizine", "levofloxacin",
    "levothyroxine", "lexapro", "linagliptin", "lipitor", "liraglutide", "lisdexamfetamine",
    "lisinopril", "lithium", "loperamide", "loratadine", "lorazepam", "losartan", "lovastatin",
    "lyrica", "magnesium oxide", "meclizine", "medroxyprogesterone", "meloxicam", "memantine",
    "metformin", "methadone", "methimazole", "methocarbamol", "methotrexate", "methylphenidate",
    "methylprednisolone", "metoclopramide", "metolazone", "metoprolol", "metronidazole",
    "minocycline", "mirtazapine", "montelukast", "morphine", "mupirocin", "naltrexone", "naproxen",
    "nebivolol", "nexium", "nifedipine", "nitrofurantoin", "nitroglycerin", "norethindrone",
    "nortriptyline", "norvasc", "novolog", "nystatin", "olanzapine", "olmesartan", "omeprazole",
    "ondansetron", "oseltamivir", "oxcarbazepine", "oxybutynin", "oxycodone", "ozempic",
    "pantoprazole", "paroxetine", "penicillin", "pioglitazone", "plavix", "potassium chloride",
    "pramipexole", "pravastatin", "prazosin", "prednisolone", "prednisone", "pregabalin",
    "prilosec", "primidone", "prochlorperazine", "progesterone", "promethazine", "propranolol",
    "quetiapine", "quinapril", "rabeprazole", "raloxifene", "ramipril", "ranolazine", "risperidone",
    "rivaroxaban", "rizatriptan", "ropinirole", "rosuvastatin", "salmeterol", "semaglutide",
    "sertraline", "sildenafil", "simvastatin", "singulair", "sitagliptin", "sodium bicarbonate",
    "solifenacin", "spironolactone", "sucralfate", "sulfamethoxazole", "sumatriptan", "symbicort",
    "synthroid", "tacrolimus", "tadalafil", "tamoxifen", "tamsulosin", "telmisartan", "temazepam",
    "terazosin", "terbinafine", "testosterone", "timolol", "tiotropium", "tizanidine", "topiramate",
    "torsemide", "tramadol", "trazodone", "triamcinolone", "triamterene", "trimethoprim",
    "trulicity", "tylenol", "valacyclovir", "valsartan", "venlafaxine", "ventolin", "verapamil",
    "vitamin b12", "vitamin d", "vitamin d3", "warfarin", "xarelto", "zoloft", "zolpidem",
};

// Words that qualify a medicine without naming it: salts and release forms.
constexpr std::string_view kQualifiers[] = {
    "sodium", "potassium", "hcl", "hydrochloride", "succinate", "tartrate", "besylate", "calcium",
    "er", "xr", "sr", "dr", "xl", "cr", "la", "ec", "odt", "hfa", "extended", "release",
    "extended-release", "delayed-release",
};

}  // namespace

namespace {

// The name in lower case without its qualifiers.
std::string MedicineKey(std::string_view name) {
  std::string norm;
  std::string word;
  auto flush = [&](bool keep_qualifier) {
    if (word.empty()) return;
    bool qualifier = std::find(std::begin(kQualifiers), std::end(kQualifiers), word) != std::end(kQualifiers);
    if (!qualifier || keep_qualifier) norm += (norm.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-') {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else {
      // The first word is the medicine even when it reads as a qualifier ("Potassium chloride").
      flush(norm.empty());
    }
  }
  flush(norm.empty());
  return norm;
}

}  // namespace

bool IsKnownMedicine(std::string_view name) { return KnownMedicineName(name).has_value(); }

std::optional<std::string> KnownMedicineName(std::string_view name) {
  std::string key = MedicineKey(name);
  if (!std::binary_search(kMedicines.begin(), kMedicines.end(), std::string_view(key))) return std::nullopt;
  return key;
}

std::optional<std::string> NearestMedicine(std::string_view name) {
  std::string key = MedicineKey(name);
  if (key.size() < 6) return std::nullopt;
  std::optional<std::string> found;
  for (std::string_view m : kMedicines) {
    if (m.size() + 1 < key.size() || key.size() + 1 < m.size() || EditDistance(key, m) > 1) continue;
    if (found) return std::nullopt;  // two within reach: no guess
    found = std::string(m);
  }
  return found;
}

bool MedicineListSorted() { return std::is_sorted(kMedicines.begin(), kMedicines.end()); }

}  // namespace salus::capture
