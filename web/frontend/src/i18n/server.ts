// The server's error texts are English sentences; the ones the portal can meet are shown in the
// user's language through this table (anything else is shown as the server wrote it).
import { t, type Key } from './index';

const PATTERNS: [RegExp, Key][] = [
  [/^required$|^must not be empty$/, 'err.required'],
  [/^must be 8 hexadecimal characters$/, 'err.card'],
  [/^this card belongs to another member$/, 'err.cardTaken'],
  [/^another member has this e-mail address$/, 'err.emailTaken'],
  [/^not an e-mail address$/, 'err.email'],
  [/^this name is already taken$/, 'err.nameTaken'],
  [/^at least (\d+) characters$/, 'err.minLength'],
  [/^at most (\d+) characters$/, 'err.maxLength'],
  [/^must be between (\S+) and (\S+)$/, 'err.range'],
  [/^must be an integer$/, 'err.integer'],
  [/^must be a number$/, 'err.number'],
  [/^no such member( \(or deleted\))?/, 'err.noMember'],
  [/^the member is deleted$/, 'err.noMember'],
  [/^no such machine$/, 'err.noMachine'],
  [/^no such machine type$/, 'err.noType'],
  [/^no such role$/, 'err.noRole'],
  [/^no such maintenance plan$/, 'err.noPlan'],
  [/^must start with http:\/\/ or https:\/\/$/, 'err.url'],
  [/^must not be before start$/, 'err.endBeforeStart'],
  [/^the machine already has an open use \((\d+)\); give an end time$/, 'err.openUse'],
  [/^this member is already authorized on this machine$/, 'err.pairExists'],
  [/^you cannot disable your own account$/, 'err.selfDisable'],
  [/^you cannot give yourself a role without backend admin rights$/, 'err.selfRole'],
  [/^you cannot delete your own account$/, 'err.selfDelete'],
  [/^you cannot take backend admin rights from your own role$/, 'err.selfAdmin'],
  [/^(\d+) member\(s\) have this role; give them another role first$/, 'err.roleInUse'],
  [/^(\d+) machine\(s\) have this type; change their type first$/, 'err.typeInUse'],
  [/reserved: it cannot be edited or deleted$|^reserved rows cannot be edited or deleted$/, 'err.reserved'],
  [/^the Anonymous member stands in for purged history/, 'err.anonymous'],
  [/^deleted members cannot be edited$/, 'err.deletedMember'],
  [/^machine (\d+) exists$|^this id is already taken$/, 'err.idTaken'],
  [/^wrong password$|^The current password is wrong$/, 'err.wrongPassword'],
  [/^must differ from the current password$/, 'err.samePassword'],
  [/^too long$/, 'err.tooLong'],
  [/^the machine's board is offline$/, 'remote.err.offline'],
  [/^you have no card to log in with$|^your member record has no card/, 'remote.err.noCard'],
  [/^a request to this machine is already pending$/, 'remote.err.pending'],
  [/^unknown machine$/, 'err.noMachine'],
  [/^other records still refer to this one/, 'err.references'],
];

/** A server sentence in the user's language (numbers in it are kept). */
export function serverText(message: string): string {
  for (const [re, key] of PATTERNS) {
    const m = re.exec(message);
    if (m) return t(key, { a: m[1] ?? '', b: m[2] ?? '' });
  }
  return message;
}
